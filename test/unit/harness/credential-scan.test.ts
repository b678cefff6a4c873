// The credential scan of the integration suite's logs, shown to work on files made here: each form of a
// leaked token or key is reported with the file and an excerpt that does not contain it, a clean file
// passes, and the recorded secrets can be deleted after the scan.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatScanReport, needlesFor, removeRecordedSecrets, scanCaptureDir } from '../../harness/credential-scan.js';
import { LOG_DIR_ENV, recordSecrets, secretsInAuditLog, secretsInKubeconfig, SECRETS_SUBDIR } from '../../harness/log-capture.js';

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
/** A token shaped like a service-account token (ES256 JWT). */
const token = [
  b64url(JSON.stringify({ alg: 'ES256', kid: randomBytes(16).toString('hex') })),
  b64url(JSON.stringify({ iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:kube-federation-system:kubefed-ts-member1' })),
  b64url(randomBytes(64)),
].join('.');
const keyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
const keyLine = keyPem.split('\n')[1]!;
const clientKeyData = Buffer.from(keyPem).toString('base64');

const line = (fields: Record<string, unknown>): string =>
  `${JSON.stringify({ level: 'debug', time: '2026-01-01T00:00:00.000Z', name: 'kubefed-ts', controller: 'sync/secrets', ...fields })}\n`;

let dir: string;
let previous: string | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'credential-scan-test-'));
  previous = process.env[LOG_DIR_ENV];
  process.env[LOG_DIR_ENV] = dir;
  recordSecrets([
    { kind: 'token', source: 'joinMember member1', value: token },
    { kind: 'private-key', source: 'host admin.key', value: keyPem },
  ]);
});

afterEach(async () => {
  if (previous === undefined) delete process.env[LOG_DIR_ENV];
  else process.env[LOG_DIR_ENV] = previous;
  await rm(dir, { recursive: true, force: true });
});

describe('needlesFor', () => {
  it('looks for a token raw, in base64 and each of its three parts', () => {
    const needles = needlesFor({ kind: 'token', source: 's', value: token }).map((n) => n.value);
    expect(needles).toEqual([token, Buffer.from(token).toString('base64'), ...token.split('.')]);
  });

  it('looks for each base64 line of a private key, its body and the PEM in base64 (client-key-data)', () => {
    const needles = needlesFor({ kind: 'private-key', source: 's', value: keyPem }).map((n) => n.value);
    expect(needles).toContain(keyLine);
    expect(needles).toContain(clientKeyData);
    expect(needles.some((n) => n.includes('-----'))).toBe(false);
  });
});

describe('scanCaptureDir', () => {
  it.each<[string, string, string]>([
    ['a raw token', line({ msg: 'building client', secret: { stringData: { token } } }), 'a token (joinMember member1)'],
    ['a token in base64, as in Secret data', line({ msg: 'object', data: { value: Buffer.from(token).toString('base64') } }), 'a token in base64 (joinMember member1)'],
    ['the signature of a token alone', line({ msg: 'x', sig: token.split('.')[2] }), 'part 3 of a token (joinMember member1)'],
    ['a line of a private key', `plain text ${keyLine} more\n`, 'a line of a private key (host admin.key)'],
    ['a kubeconfig client-key-data', line({ user: { 'client-key-data': clientKeyData } }), 'a private key PEM in base64 (host admin.key)'],
    ['a PEM header', line({ msg: 'read', body: '-----BEGIN CERTIFICATE-----\nMIIB' }), 'a PEM header'],
    ['a bearer header value', line({ err: 'request with Authorization: Bearer abcdefghijklmnop0123456789 refused' }), 'a bearer header value'],
    ['an unknown private key in base64', line({ data: { 'tls.key': Buffer.from(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).toString('base64') } }), 'a private key PEM in base64'],
    ['an unknown JWT', line({ t: `eyJhbGciOiJub25lIn0.${b64url('{"sub":"someone-else-entirely"}')}.c2lnbmF0dXJlLXNpZ25hdHVyZQ` }), 'a JWT'],
  ])('reports %s with the file and a redacted excerpt', async (_name, text, what) => {
    await writeFile(path.join(dir, 'controller-manager--propagation--1-1.log'), line({ msg: 'before' }) + text + line({ msg: 'after' }));
    const result = await scanCaptureDir(dir);
    expect(result).toMatchObject({ files: 1, secrets: 2 });
    expect(result.findings.map((f) => f.what)).toContain(what);
    const finding = result.findings.find((f) => f.what === what)!;
    expect(finding.file).toBe('controller-manager--propagation--1-1.log');
    const report = formatScanReport(result);
    expect(report).toMatch(/^credential scan: 1 log files, \d+ bytes, 2 secrets checked: \d+ findings?/);
    for (const secret of [token, ...token.split('.'), Buffer.from(token).toString('base64'), keyLine, clientKeyData, 'abcdefghijklmnop0123456789']) {
      expect(report).not.toContain(secret);
    }
  });

  it('passes clean logs, never scans the recorded secrets, and they can be deleted after', async () => {
    await writeFile(
      path.join(dir, 'controller-manager--propagation--1-1.log'),
      line({ msg: 'client built', cluster: 'member1', token: '[redacted]', headers: { Authorization: '[redacted]' } }) +
        line({ msg: 'reconciled', uid: '0b7c4f1e-3a4d-4e1b-9a8e-2f1e5d6c7b8a', resourceVersion: '123456' }) +
        // A CA certificate in base64 (a KubeFedCluster's caBundle, as `kubefedctl join --dry-run` prints it) is no credential.
        `spec:\n  caBundle: ${Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIUcertificatebody\n-----END CERTIFICATE-----\n').toString('base64')}\n`,
    );
    const result = await scanCaptureDir(dir);
    expect(result.findings).toEqual([]);
    expect(formatScanReport(result)).toMatch(/^credential scan: 1 log files, \d+ bytes, 2 secrets checked: clean$/);
    const secretsDir = path.join(dir, SECRETS_SUBDIR);
    expect(((await stat(secretsDir)).mode & 0o777).toString(8)).toBe('700');
    for (const f of await readdir(secretsDir)) expect(((await stat(path.join(secretsDir, f))).mode & 0o777).toString(8)).toBe('600');
    await removeRecordedSecrets(dir);
    expect(await readdir(dir)).toEqual(['controller-manager--propagation--1-1.log']);
  });

  it('fails when logs were captured but no secret was recorded (a scan that knows nothing proves nothing)', async () => {
    await removeRecordedSecrets(dir);
    await writeFile(path.join(dir, 'a.log'), line({ msg: 'x' }));
    expect((await scanCaptureDir(dir)).findings.map((f) => f.what)).toEqual(['no secrets recorded']);
  });
});

describe('where secrets are collected', () => {
  it('finds tokens in an API server audit log: TokenRequests, Secrets created, filled in and patched', () => {
    const event = (objectRef: object, requestObject: unknown, responseObject?: unknown): string =>
      JSON.stringify({ kind: 'Event', stage: 'ResponseComplete', objectRef, requestObject, responseObject });
    const audit = [
      event({ resource: 'serviceaccounts', subresource: 'token' }, { spec: {} }, { status: { token: 'from-a-token-request-0123456789' } }),
      event({ resource: 'secrets' }, { stringData: { token: 'string-data-token-0123456789' } }),
      event({ resource: 'secrets' }, { data: { token: Buffer.from('filled-in-by-controller-0123').toString('base64'), 'ca.crt': 'eA==' } }),
      event({ resource: 'secrets' }, [{ op: 'replace', path: '/data/token', value: Buffer.from('json-patched-token-0123456789').toString('base64') }]),
      event({ resource: 'secrets' }, { data: { 'tls.key': Buffer.from(keyPem).toString('base64') } }),
      '{"cut off',
    ].join('\n');
    expect(secretsInAuditLog(audit, 'cp host').map((s) => [s.kind, s.value])).toEqual([
      ['token', 'from-a-token-request-0123456789'],
      ['token', 'string-data-token-0123456789'],
      ['token', 'filled-in-by-controller-0123'],
      ['token', 'json-patched-token-0123456789'],
      ['private-key', keyPem],
    ]);
  });

  it('finds client keys and tokens in a kubeconfig', () => {
    const config = { users: [{ name: 'host-admin', user: { 'client-certificate-data': 'x', 'client-key-data': clientKeyData } }, { name: 'nobody', user: { token } }] };
    expect(secretsInKubeconfig(config, 'kc').map((s) => [s.kind, s.value])).toEqual([
      ['value', clientKeyData],
      ['private-key', keyPem],
      ['token', token],
    ]);
  });
});
