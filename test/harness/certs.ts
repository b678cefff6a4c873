// Key material for one local API server, made with the real openssl CLI: a CA of its own, a serving
// certificate for 127.0.0.1/localhost signed by it, an admin client certificate (group system:masters)
// and a service-account signing key. Each cluster gets its own CA, so TLS verification between the
// controller and a member is as real as in production.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { recordSecrets } from './log-capture.js';

const execFileAsync = promisify(execFile);

export interface ClusterCerts {
  dir: string;
  caCertPath: string;
  servingCertPath: string;
  servingKeyPath: string;
  adminCertPath: string;
  adminKeyPath: string;
  serviceAccountKeyPath: string;
  caCertPem: string;
  adminCertPem: string;
  adminKeyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes a fresh CA, serving cert, admin client cert and service-account key into `dir`. */
export async function generateClusterCerts(dir: string, clusterName: string): Promise<ClusterCerts> {
  await mkdir(dir, { recursive: true });
  await openssl(
    ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650',
      '-subj', `/CN=kubefed-ts-${clusterName}-ca`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  await writeFile(
    path.join(dir, 'serving.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n',
  );
  await writeFile(
    path.join(dir, 'client.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  await Promise.all([
    signedCert(dir, 'serving', `/CN=kube-apiserver-${clusterName}`, 'serving.ext'),
    signedCert(dir, 'admin', '/O=system:masters/CN=kubefed-ts-admin', 'client.ext'),
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir),
  ]);
  const [caCertPem, adminCertPem, adminKeyPem, ...otherKeys] = await Promise.all(
    ['ca.crt', 'admin.crt', 'admin.key', 'ca.key', 'serving.key', 'sa.key'].map((f) => readFile(path.join(dir, f), 'utf8')),
  );
  // Every private key made here is looked for in the test logs (credential scan, log-capture.ts).
  recordSecrets(
    [adminKeyPem!, ...otherKeys].map((value, i) => ({ kind: 'private-key' as const, source: `${clusterName} ${['admin', 'ca', 'serving', 'sa'][i]}.key`, value })),
  );
  return {
    dir,
    caCertPath: path.join(dir, 'ca.crt'),
    servingCertPath: path.join(dir, 'serving.crt'),
    servingKeyPath: path.join(dir, 'serving.key'),
    adminCertPath: path.join(dir, 'admin.crt'),
    adminKeyPath: path.join(dir, 'admin.key'),
    serviceAccountKeyPath: path.join(dir, 'sa.key'),
    caCertPem: caCertPem!,
    adminCertPem: adminCertPem!,
    adminKeyPem: adminKeyPem!,
  };
}

async function signedCert(dir: string, name: string, subject: string, extFile: string): Promise<void> {
  await openssl(['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(12).toString('hex')}`,
      '-out', `${name}.crt`, '-days', '3650', '-extfile', extFile],
    dir,
  );
}
