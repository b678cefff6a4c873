// The credential scan over the integration suite's captured logs (log-capture.ts): every secret the harness
// recorded is looked for in the forms a leak takes (a token raw, in base64 as in a Secret's data, or any of
// its three JWT parts; a private key's base64 lines, or the whole PEM in base64 as in a kubeconfig's
// client-key-data), and so are shapes that are credentials whatever their value (a PEM header, a private
// key PEM in base64, a JWT, a bearer header value). A finding names the file and shows a redacted
// excerpt: the scan never prints what it looks for.
//
// Checked end to end that a leak fails the run: a temporary integration test whose harness logger logged
// a host Secret under a path the logger's redaction does not cover (`{ cluster: { secret: { data } } }`)
// made `bash hack/test.sh integration FILE...` exit 1, and a bare `vitest run` too (global teardown),
// naming the file and "a token in base64 (joinMember member1)". The unit tests are in
// test/unit/harness/credential-scan.test.ts; the deep scenario is test/integration/faults/credentials.test.ts.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SECRETS_SUBDIR, type RecordedSecret } from './log-capture.js';

export interface Needle {
  value: string;
  what: string;
}

export interface Finding {
  file: string;
  what: string;
  count: number;
  excerpt: string;
}

export interface ScanResult {
  files: number;
  bytes: number;
  secrets: number;
  findings: Finding[];
}

/** Shorter strings are too likely to occur by chance in a log (a JWT part, a key line are far longer). */
const MIN_NEEDLE = 16;
/** Characters of base64, base64url and JWTs: every needle is normally made of these only. */
const TOKEN_CHAR = /[A-Za-z0-9+/=_.-]/;
const TOKEN_RUN = /[A-Za-z0-9+/=_.-]{16,}/g;
/** A run this long in an excerpt might be key material the scan does not know: never printed. */
const LONG_RUN = /[A-Za-z0-9+/=_-]{24,}/g;

/**
 * A PEM header is reported whatever it heads (the brief of the scan, and what the dedicated credentials
 * test checks); in base64, only a private key's: a KubeFedCluster's caBundle is a CA certificate in base64,
 * which `kubefedctl join --dry-run` rightly prints.
 */
const SHAPES: ReadonlyArray<{ what: string; pattern: RegExp; confirm?: (match: string) => boolean }> = [
  { what: 'a PEM header', pattern: /-----BEGIN[A-Z0-9 ]*-----/g },
  {
    what: 'a private key PEM in base64',
    pattern: /LS0tLS1CRUdJT[A-Za-z0-9+/=]*/g,
    confirm: (m) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(Buffer.from(m, 'base64').toString('latin1')),
  },
  { what: 'a JWT', pattern: /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
  { what: 'a bearer header value', pattern: /\bbearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{16,}/gi },
];

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The strings whose presence in a log would leak `secret`. */
export function needlesFor(secret: RecordedSecret): Needle[] {
  const what = (form: string): string => `${form} (${secret.source})`;
  const needles: Needle[] = [];
  if (secret.kind === 'token') {
    const token = secret.value.trim();
    needles.push({ value: token, what: what('a token') }, { value: b64(token), what: what('a token in base64') });
    const parts = token.split('.');
    if (parts.length === 3) parts.forEach((part, i) => needles.push({ value: part, what: what(`part ${i + 1} of a token`) }));
  } else if (secret.kind === 'private-key') {
    const body = secret.value.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('-----'));
    for (const line of body) needles.push({ value: line, what: what('a line of a private key') });
    needles.push({ value: body.join(''), what: what('a private key') });
    needles.push({ value: b64(secret.value), what: what('a private key PEM in base64') });
    needles.push({ value: b64(secret.value.trim()), what: what('a private key PEM in base64') });
  } else {
    needles.push({ value: secret.value, what: what('a secret value') }, { value: b64(secret.value), what: what('a secret value in base64') });
  }
  return needles.filter((n) => n.value.length >= MIN_NEEDLE);
}

export interface Hit {
  what: string;
  index: number;
  length: number;
}

/** A matcher for many needles at once: one pass over the runs of token characters of a text. */
export class NeedleMatcher {
  private readonly byPrefix = new Map<string, Needle[]>();
  private readonly others: Needle[] = [];
  readonly needles: readonly Needle[];

  constructor(needles: readonly Needle[]) {
    const unique = new Map<string, Needle>();
    for (const n of needles) if (n.value.length >= MIN_NEEDLE && !unique.has(n.value)) unique.set(n.value, n);
    this.needles = [...unique.values()];
    for (const n of this.needles) {
      if ([...n.value].every((c) => TOKEN_CHAR.test(c))) {
        const key = n.value.slice(0, MIN_NEEDLE);
        this.byPrefix.set(key, [...(this.byPrefix.get(key) ?? []), n]);
      } else {
        this.others.push(n);
      }
    }
  }

  /** Every occurrence of a needle, and of a credential shape, in `text`. */
  hits(text: string): Hit[] {
    const hits: Hit[] = [];
    for (const m of text.matchAll(TOKEN_RUN)) {
      const run = m[0];
      for (let i = 0; i + MIN_NEEDLE <= run.length; i++) {
        const candidates = this.byPrefix.get(run.slice(i, i + MIN_NEEDLE));
        if (!candidates) continue;
        for (const n of candidates) if (run.startsWith(n.value, i)) hits.push({ what: n.what, index: m.index + i, length: n.value.length });
      }
    }
    for (const n of this.others) {
      for (let i = text.indexOf(n.value); i >= 0; i = text.indexOf(n.value, i + 1)) hits.push({ what: n.what, index: i, length: n.value.length });
    }
    for (const shape of SHAPES) {
      for (const m of text.matchAll(shape.pattern)) {
        if (!shape.confirm || shape.confirm(m[0])) hits.push({ what: shape.what, index: m.index, length: m[0].length });
      }
    }
    return hits;
  }

  /**
   * Up to 80 characters either side of a hit, never cutting a run of token characters, with the hit
   * replaced by what it is, every needle redacted, and every long base64-like run shortened to its length.
   */
  excerpt(text: string, hit: Hit): string {
    let from = Math.max(0, hit.index - 80);
    while (from < hit.index && TOKEN_CHAR.test(text[from]!)) from++;
    let to = Math.min(text.length, hit.index + hit.length + 80);
    while (to > hit.index + hit.length && TOKEN_CHAR.test(text[to - 1]!)) to--;
    const keep = hit.what === 'a PEM header' ? text.slice(hit.index, hit.index + hit.length) : `[${hit.what}, ${hit.length} chars]`;
    let s = `${text.slice(from, hit.index)}\u0000${text.slice(hit.index + hit.length, to)}`;
    for (const n of this.needles) if (s.includes(n.value)) s = s.split(n.value).join('[redacted]');
    s = s.replace(LONG_RUN, (run) => `[${run.length} chars]`).replace('\u0000', keep);
    return s.replace(/\n/g, '⏎');
  }
}

/** Findings in one text, one per kind of hit with its count and the first occurrence's excerpt. */
export function scanText(file: string, text: string, matcher: NeedleMatcher): Finding[] {
  const byWhat = new Map<string, Finding>();
  for (const hit of matcher.hits(text)) {
    const found = byWhat.get(hit.what);
    if (found) found.count++;
    else byWhat.set(hit.what, { file, what: hit.what, count: 1, excerpt: matcher.excerpt(text, hit) });
  }
  return [...byWhat.values()];
}

/** The secrets recorded in a capture folder, each once. */
export async function readRecordedSecrets(dir: string): Promise<RecordedSecret[]> {
  const secretsDir = path.join(dir, SECRETS_SUBDIR);
  let files: string[];
  try {
    files = await readdir(secretsDir);
  } catch {
    return [];
  }
  const unique = new Map<string, RecordedSecret>();
  for (const f of files.sort()) {
    for (const line of (await readFile(path.join(secretsDir, f), 'utf8')).split('\n')) {
      if (!line) continue;
      const secret = JSON.parse(line) as RecordedSecret;
      unique.set(`${secret.kind}\u0000${secret.value}`, secret);
    }
  }
  return [...unique.values()];
}

/** Deletes the recorded secrets of a capture folder (the logs stay). */
export async function removeRecordedSecrets(dir: string): Promise<void> {
  await rm(path.join(dir, SECRETS_SUBDIR), { recursive: true, force: true });
}

/**
 * Scans every log file of a capture folder for the secrets recorded in it. No recorded secret while there
 * are logs means the recording is broken, which is reported as a finding: a scan that knows no secret
 * proves nothing.
 */
export async function scanCaptureDir(dir: string): Promise<ScanResult> {
  const secrets = await readRecordedSecrets(dir);
  const matcher = new NeedleMatcher(secrets.flatMap(needlesFor));
  const entries = await readdir(dir, { withFileTypes: true });
  const logs = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
  const result: ScanResult = { files: logs.length, bytes: 0, secrets: secrets.length, findings: [] };
  for (const name of logs) {
    const text = await readFile(path.join(dir, name), 'utf8');
    result.bytes += Buffer.byteLength(text);
    result.findings.push(...scanText(name, text, matcher));
  }
  if (logs.length > 0 && secrets.length === 0) {
    result.findings.push({ file: SECRETS_SUBDIR, what: 'no secrets recorded', count: 1, excerpt: 'the harness recorded no token or key to look for' });
  }
  return result;
}

/** `credential scan: N log files, M bytes, K secrets checked: clean`, then one line per finding. */
export function formatScanReport(result: ScanResult): string {
  const head = `credential scan: ${result.files} log files, ${result.bytes} bytes, ${result.secrets} secrets checked: `;
  if (result.findings.length === 0) return `${head}clean`;
  return [
    `${head}${result.findings.length} finding${result.findings.length > 1 ? 's' : ''}`,
    ...result.findings.map((f) => `  ${f.file}: ${f.what}${f.count > 1 ? ` (${f.count} times)` : ''}: ${f.excerpt}`),
  ].join('\n');
}
