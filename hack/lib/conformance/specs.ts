// KubeFed's e2e suite as data: the specs its dry run lists, a focus that selects exactly one, the pass each
// runs in, and the result of a run read from Ginkgo v1's output. Pure, so the parsing has unit tests
// (test/unit/conformance/specs.test.ts).

/** One Ginkgo spec: its containers' texts (as printed on one line) and its own text. */
export interface Spec {
  container: string;
  text: string;
}

export const specName = (spec: Spec): string => `${spec.container.trim().replace(/\s+/g, ' ')} ${spec.text.trim()}`;

/**
 * The specs of `e2e.test -ginkgo.dryRun -ginkgo.v -ginkgo.noColor`: each is printed as a line of container
 * texts, a line with the spec's text indented by two spaces, and its source location.
 */
export function parseDryRun(output: string): Spec[] {
  const lines = output.split('\n');
  const specs: Spec[] = [];
  for (let i = 0; i + 2 < lines.length; i++) {
    const [container, text, location] = [lines[i]!, lines[i + 1]!, lines[i + 2]!];
    if (/^\S/.test(container) && /^ {2}\S/.test(text) && /^ {2}\S+\.go:\d+\s*$/.test(location)) {
      specs.push({ container: container.trimEnd(), text: text.trim() });
      i += 2;
    }
  }
  return specs.sort((a, b) => (specName(a) < specName(b) ? -1 : specName(a) > specName(b) ? 1 : 0));
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Ginkgo joins the texts with single spaces, so an empty container shows as two; any run of space matches. */
const spaced = (s: string): string => s.trim().split(/\s+/).map(escapeRegExp).join('\\s+');

/**
 * Ginkgo v1 matches a focus against "<suite description> <container texts…> <spec text>", where the first
 * container is the root, "[Top Level]".
 */
const FOCUS_PREFIX = 'KubeFed e2e suite [Top Level]';

/** A `-ginkgo.focus` matching this spec and no other. */
export function focusFor(spec: Spec): string {
  return `^${spaced(FOCUS_PREFIX)}\\s+${spaced(spec.container)}\\s+${spaced(spec.text)}$`;
}

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface SpecRun {
  outcome: Outcome;
  /** Why it failed or was skipped: Ginkgo's message, shortened. */
  message?: string;
  /** Where in KubeFed's sources it failed. */
  location?: string;
  /** The suite's own ERROR lines (e.g. what a wait was waiting for), distinct, at most three. */
  errors?: string[];
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The result of a run focused on one spec. Ginkgo v1 ends with `Ran N of M Specs` and
 * `P Passed | F Failed | X Pending | S Skipped`; a spec that skips itself is not counted in "Ran".
 */
export function parseSpecRun(rawOutput: string, exitCode: number | null): SpecRun {
  const output = rawOutput.replace(ANSI, '');
  const willRun = /Will run (\d+) of \d+ specs/.exec(output);
  if (willRun && Number(willRun[1]) !== 1) {
    return { outcome: 'failed', message: `the focus selected ${willRun[1]} specs instead of 1 (a bug of the conformance runner)` };
  }
  const summary = /(\d+) Passed \| (\d+) Failed \| \d+ Pending \| \d+ Skipped/.exec(output);
  const ran = /Ran (\d+) of \d+ Specs?/.exec(output);
  if (summary && Number(summary[2]) > 0) {
    const errors = errorLines(output);
    return { outcome: 'failed', ...failureOf(output), ...(errors.length > 0 && { errors }) };
  }
  if (summary && Number(summary[1]) > 0 && exitCode === 0) return { outcome: 'passed' };
  if (summary && exitCode === 0) {
    // Neither passed nor failed: the spec skipped itself (Skipf stamps its message with the time).
    const skipped = output.slice(Math.max(0, output.indexOf('[SKIPPING]')));
    const message = /^\s+\w{3} +\d+ [\d:.]+: (.*)$/m.exec(skipped)?.[1];
    return { outcome: 'skipped', message: message ? cleanMessage(message) : `no spec ran (${ran?.[0] ?? 'no count'})` };
  }
  if (!summary) {
    const errors = errorLines(output);
    return {
      outcome: 'failed',
      message: exitCode === null ? 'timed out (the runner stopped it)' : `no Ginkgo summary (exit code ${exitCode})`,
      ...(errors.length > 0 && { errors }),
    };
  }
  return { outcome: 'failed', message: `exit code ${exitCode}` };
}

/**
 * The message and location of the failure Ginkgo reports after `• Failure [...]`: the spec's containers and
 * text, the failed node marked `[It]` (or `[BeforeEach]`…) with its location, then, indented, the message
 * and the location of the failing line.
 */
function failureOf(output: string): { message?: string; location?: string } {
  const start = output.search(/^•\s+(?:Failure|Panic)/m);
  if (start < 0) return {};
  const lines = output.slice(start).split('\n');
  const marked = lines.findIndex((l) => /\[(?:It|BeforeEach|AfterEach|JustBeforeEach|JustAfterEach|BeforeSuite|AfterSuite)\]\s*$/.test(l));
  if (marked < 0) return {};
  let i = marked + 2; // past the node's own location
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const message: string[] = [];
  for (; i < lines.length && lines[i]!.trim() !== ''; i++) message.push(lines[i]!);
  while (i < lines.length && lines[i]!.trim() === '') i++;
  const location = i < lines.length && /\.go:\d+\s*$/.test(lines[i]!) ? shortLocation(lines[i]!.trim()) : undefined;
  return { ...(message.length > 0 && { message: cleanMessage(message.join(' ')) }), ...(location && { location }) };
}

/** The distinct `ERROR:` lines the suite logged (its waits log why they time out), without timestamps. */
function errorLines(output: string): string[] {
  const errors = [...output.matchAll(/^\w{3} +\d+ [\d:.]+: ERROR: (.*)$/gm)].map((m) => cleanMessage(m[1]!));
  return [...new Set(errors)].slice(0, 3);
}

function shortLocation(location: string): string {
  const at = location.indexOf('sigs.k8s.io/kubefed@');
  return at >= 0 ? location.slice(at + 'sigs.k8s.io/kubefed@'.length).replace(/^v[^/]+\//, '') : location;
}

/** One line, no timestamp, at most ~300 characters. */
function cleanMessage(message: string): string {
  const oneLine = message
    .replace(/^\s*[A-Z][a-z]{2} +\d+ [\d:.]+:\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 297)}...` : oneLine;
}
