// The integration suite's log capture (issue #6, "no credentials in logs"): every controller-manager the
// harness starts, in-process or as a process, logs at debug level into one folder ($KUBEFED_TEST_LOG_DIR),
// and the key material and tokens the harness makes or sees are recorded beside the logs (mode 0600) for
// the credential scan (credential-scan.ts) that hack/test.sh, or the global teardown, runs at the end.
// Without $KUBEFED_TEST_LOG_DIR nothing is captured or recorded (benchmarks, `npm run clusters:up`).
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino, type DestinationStream, type StreamEntry } from 'pino';
import { createLogger, type Logger } from '../../src/util/log.js';

export const LOG_DIR_ENV = 'KUBEFED_TEST_LOG_DIR';
/** The sub-folder of the capture folder holding the recorded secrets; never scanned, removed by the scan. */
export const SECRETS_SUBDIR = 'secrets';

/** What a recorded secret is, which decides the forms the scan looks for (see credential-scan.ts). */
export type SecretKind = 'token' | 'private-key' | 'value';

export interface RecordedSecret {
  kind: SecretKind;
  /** Where it came from, for the report (never the value). */
  source: string;
  value: string;
}

export function captureDir(): string | undefined {
  return process.env[LOG_DIR_ENV] || undefined;
}

let label = 'harness';
let fileCount = 0;
/** A capture file: pino's asynchronous file stream (SonicBoom). */
export type CaptureFile = ReturnType<typeof pino.destination>;
/** Open capture files of this process, flushed after each test file and on exit. */
const openFiles = new Set<CaptureFile>();
const sharedFiles = new Map<string, CaptureFile>();
const capturedLoggers = new WeakSet<Logger>();

/** Names this process's capture files after the test file that runs (set by log-capture-setup.ts). */
export function setCaptureLabel(name: string): void {
  label = name.replace(/\.test\.ts$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * A new capture file `<kind>--<test file>--<pid>-<n>.log`, written asynchronously (in large writes) so that
 * debug logging costs the tests little; undefined when nothing is captured. With `shared`, one file per
 * kind and test file, appended to by every caller.
 */
export function captureFile(kind: string, options: { shared?: boolean } = {}): CaptureFile | undefined {
  const dir = captureDir();
  if (!dir) return undefined;
  const key = `${kind}--${label}`;
  const existing = options.shared ? sharedFiles.get(key) : undefined;
  if (existing) return existing;
  const file = path.join(dir, `${key}--${process.pid}-${++fileCount}.log`);
  // sync: false with a minimum write size; pino registers a synchronous flush for process exit.
  const stream = pino.destination({ dest: file, sync: false, mkdir: true, minLength: 8 * 1024 });
  openFiles.add(stream);
  stream.on('close', () => openFiles.delete(stream));
  if (options.shared) sharedFiles.set(key, stream);
  return stream;
}

/** Writes what is still buffered in this process's capture files to disk. */
export function flushCaptureFiles(): void {
  for (const stream of openFiles) {
    try {
      stream.flushSync();
    } catch {
      // not open yet (its first write is still pending) or closed: nothing buffered to lose
    }
  }
}

/**
 * The logger for a controller-manager (or other component) the harness runs in the test process: the
 * production logger (createLogger, with its redaction) writing debug lines to a capture file, warnings
 * and worse to stderr as before ($KUBEFED_TEST_LOG_LEVEL changes that level; `console: false` turns it
 * off), and every line also to `tee` when given.
 */
export function harnessLogger(kind: string, options: { console?: string | false; tee?: NodeJS.WritableStream } = {}): Logger {
  const consoleLevel = options.console ?? process.env.KUBEFED_TEST_LOG_LEVEL ?? 'warn';
  const file = captureFile(kind);
  const streams: StreamEntry[] = [];
  if (consoleLevel) streams.push({ level: consoleLevel as pino.Level, stream: pino.destination({ dest: 2, sync: false }) });
  if (options.tee) streams.push({ level: 'debug', stream: options.tee as DestinationStream });
  if (file) streams.push({ level: 'debug', stream: file });
  if (streams.length === 0) return createLogger({ level: 'silent' });
  const lowest = streams.reduce((a, b) => (pino.levels.values[a.level!]! <= pino.levels.values[b.level!]! ? a : b)).level!;
  const log = createLogger({ level: lowest, destination: pino.multistream(streams) as unknown as NodeJS.WritableStream });
  if (file) capturedLoggers.add(log);
  return log;
}

/** True unless logs are captured and `log` was not made by `harnessLogger` (its lines would escape the scan). */
export function isCaptured(log: Logger): boolean {
  return !captureDir() || capturedLoggers.has(log);
}

/**
 * Records secrets for the credential scan: one JSON line each, appended to this process's file in the
 * capture folder's secrets/ (folder 0700, file 0600), which the scan deletes after reading.
 */
export function recordSecrets(secrets: ReadonlyArray<RecordedSecret>): void {
  const dir = captureDir();
  const wanted = secrets.filter((s) => s.value.length > 0);
  if (!dir || wanted.length === 0) return;
  const secretsDir = path.join(dir, SECRETS_SUBDIR);
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  appendFileSync(path.join(secretsDir, `${process.pid}.jsonl`), wanted.map((s) => `${JSON.stringify(s)}\n`).join(''), { mode: 0o600 });
}

const decode = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
const isPrivateKey = (s: string): boolean => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(s);

/**
 * The tokens and private keys in one Secret-shaped object (a Secret, or a patch of one): `token` values
 * in `data` (base64) or `stringData`, and any value that is a PEM private key.
 */
function secretsInSecretObject(obj: unknown, source: string): RecordedSecret[] {
  const found: RecordedSecret[] = [];
  const o = (obj ?? {}) as { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  for (const [field, encoded] of [['data', true], ['stringData', false]] as const) {
    for (const [key, raw] of Object.entries(o[field] ?? {})) {
      if (typeof raw !== 'string') continue;
      const value = encoded ? decode(raw) : raw;
      if (key === 'token') found.push({ kind: 'token', source: `${source}, Secret key ${key}`, value });
      else if (isPrivateKey(value)) found.push({ kind: 'private-key', source: `${source}, Secret key ${key}`, value });
    }
  }
  return found;
}

/**
 * The tokens and keys in a kube-apiserver audit log (JSON lines) written with the policy of
 * control-plane.ts: Secrets as created or updated, and the tokens TokenRequests returned. This sees every
 * token a cluster ever held, including those deleted before the end of the run.
 */
export function secretsInAuditLog(text: string, source: string): RecordedSecret[] {
  const found: RecordedSecret[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let event: { objectRef?: { resource?: string; subresource?: string }; requestObject?: unknown; responseObject?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      continue; // a line cut off by a killed API server
    }
    const { resource, subresource } = event.objectRef ?? {};
    if (resource === 'serviceaccounts' && subresource === 'token') {
      const token = (event.responseObject as { status?: { token?: unknown } } | undefined)?.status?.token;
      if (typeof token === 'string') found.push({ kind: 'token', source: `${source}, TokenRequest`, value: token });
    } else if (resource === 'secrets') {
      for (const obj of [event.requestObject, event.responseObject]) {
        // A JSON patch is a list of operations; merge and strategic patches look like the object.
        if (Array.isArray(obj)) {
          for (const op of obj as Array<{ path?: string; value?: unknown }>) {
            const [, field, key] = /^\/(data|stringData)\/(.+)$/.exec(op.path ?? '') ?? [];
            if (field && key) found.push(...secretsInSecretObject({ [field]: { [key]: op.value } }, source));
            else if (op.path === '/data' || op.path === '/stringData') found.push(...secretsInSecretObject({ [op.path.slice(1)]: op.value }, source));
          }
        } else {
          found.push(...secretsInSecretObject(obj, source));
        }
      }
    }
  }
  return found;
}

/** The client keys and tokens of a kubeconfig's users. */
export function secretsInKubeconfig(config: unknown, source: string): RecordedSecret[] {
  const found: RecordedSecret[] = [];
  const users = ((config ?? {}) as { users?: Array<{ name?: string; user?: Record<string, unknown> }> }).users ?? [];
  for (const { name, user } of users) {
    const where = `${source}, user ${name}`;
    const keyData = user?.['client-key-data'];
    if (typeof keyData === 'string') {
      found.push({ kind: 'value', source: `${where} client-key-data`, value: keyData });
      found.push({ kind: 'private-key', source: `${where} client-key-data`, value: decode(keyData) });
    }
    if (typeof user?.token === 'string') found.push({ kind: 'token', source: `${where} token`, value: user.token });
  }
  return found;
}
