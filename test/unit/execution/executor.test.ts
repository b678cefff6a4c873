// The cluster executor against a real socket: a small HTTP server in this process stands in for a member's
// API server, and can be made slow, hang, reset connections or answer errors, so that timeouts, retries and
// fast failure are those of the real RestClient (its timers, its agent, its error normalisation), not of a mock.
// Timings are short (a few hundred ms) with generous margins for a loaded 2-core machine.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PropagationStatus } from '../../../src/api/constants.js';
import { ClusterExecutor, type ExecutorSettings } from '../../../src/execution/executor.js';
import type { MemberAction, WorkItem, WorkOutcome } from '../../../src/execution/work.js';
import { RestClient } from '../../../src/kube/rest-client.js';
import type { ResourceType } from '../../../src/kube/types.js';
import { silentLogger } from '../../../src/util/log.js';

const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** How the server treats one request. */
type Reply = { code: number; delayMs?: number } | { hang: true } | { reset: true };

interface SeenRequest {
  method: string;
  name: string;
  /** The `data.v` of a written ConfigMap: which version of the work was sent. */
  version: string | undefined;
  at: number;
  endedAt?: number;
}

/** An HTTP server answering like an API server for ConfigMaps in namespace `ns`, as the test says. */
class MemberServer {
  readonly requests: SeenRequest[] = [];
  reply: (req: SeenRequest, index: number) => Reply = () => ({ code: 201 });
  inFlight = 0;
  maxInFlight = 0;
  /** The most requests for one object at once. */
  maxPerName = 0;
  private readonly perName = new Map<string, number>();
  private rv = 0;
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  requestsFor(name: string): SeenRequest[] {
    return this.requests.filter((r) => r.name === name);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata?: { name?: string }; data?: { v?: string } }) : undefined;
      const url = new URL(req.url ?? '/', 'http://x');
      const name = body?.metadata?.name ?? url.pathname.split('/').pop() ?? '';
      const seen: SeenRequest = { method: req.method ?? '', name, version: body?.data?.v, at: performance.now() };
      const index = this.requests.push(seen) - 1;
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const forName = (this.perName.get(name) ?? 0) + 1;
      this.perName.set(name, forName);
      this.maxPerName = Math.max(this.maxPerName, forName);
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        seen.endedAt = performance.now();
        this.inFlight--;
        this.perName.set(name, (this.perName.get(name) ?? 1) - 1);
      };
      res.on('close', end);
      const reply = this.reply(seen, index);
      if ('hang' in reply) return;
      if ('reset' in reply) {
        req.socket.destroy();
        return;
      }
      const answer = (): void => {
        const ok = reply.code < 300;
        const payload = ok
          ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: String(++this.rv) } }
          : { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: reply.code, reason: reply.code === 422 ? 'Invalid' : 'InternalError', message: `answer ${reply.code}` };
        res.writeHead(reply.code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
        end();
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  }
}

const SETTINGS: ExecutorSettings = {
  maxInFlight: 4,
  maxQueued: 1000,
  requestTimeoutMs: 300,
  unansweredBeforeFastFail: 3,
  fastFailCooldownMs: 500,
  fastFailCooldownMaxMs: 4000,
  retryBaseMs: 80,
  retryMaxMs: 1000,
};

function createItem(name: string, version = '1'): WorkItem {
  const action: MemberAction = {
    kind: 'create',
    desired: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { v: version } },
    hash: `h${version}`,
    adoption: { adoptResources: true },
  };
  return { type: configMaps, targetKey: `ns/${name}`, action };
}

interface Received {
  key: string;
  outcome: WorkOutcome;
  at: number;
}

let member: MemberServer;
let client: RestClient;
let executor: ClusterExecutor | undefined;
let received: Received[];
let availability: Array<{ available: boolean; at: number }>;

function start(settings: Partial<ExecutorSettings> = {}, clientOf: () => RestClient | undefined = () => client): ClusterExecutor {
  executor = new ClusterExecutor({
    cluster: 'm1',
    client: clientOf,
    settings: { ...SETTINGS, ...settings },
    log: silentLogger,
    observer: { onAvailability: (_cluster, available) => availability.push({ available, at: performance.now() }) },
  });
  return executor;
}

/** Hands in work whose outcomes are noted in `received`. */
function submit(exec: ClusterExecutor, name: string, version = '1'): boolean {
  return exec.submit(name, createItem(name, version), (outcome) => received.push({ key: name, outcome, at: performance.now() }));
}

const outcomesOf = (key: string): WorkOutcome[] => received.filter((r) => r.key === key).map((r) => r.outcome);

async function until(what: string, probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  member = new MemberServer();
  const port = await member.start();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Plain HTTP on the loopback (no TLS to verify); client-node accepts an http server only with this set.
    clusters: [{ name: 'm1', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'c', cluster: 'm1', user: 'u' }],
    currentContext: 'c',
  });
  client = await RestClient.fromKubeConfig(kc, { name: 'm1' });
  received = [];
  availability = [];
  executor = undefined;
});

afterEach(async () => {
  await member.stop();
  await executor?.stop();
  client?.close();
});

describe('ClusterExecutor: keyed work', () => {
  it('performs work and reports what it wrote', async () => {
    const exec = start();
    expect(submit(exec, 'a')).toBe(true);
    await until('the outcome', () => received.length === 1);
    expect(received[0]!.outcome).toMatchObject({ kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '1', previousResourceVersion: undefined } });
    expect(received[0]!.outcome.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(member.requests.map((r) => `${r.method} ${r.name} v${r.version}`)).toEqual(['PATCH a v1']);
    expect(exec.queued + exec.inFlight).toBe(0);
  });

  it('replaces waiting work of a key with the latest: only the last version is sent', async () => {
    const exec = start({ maxInFlight: 1 });
    member.reply = () => ({ code: 201, delayMs: 150 });
    submit(exec, 'busy');
    // "a" waits behind "busy"; three versions come in meanwhile.
    submit(exec, 'a', '1');
    submit(exec, 'a', '2');
    submit(exec, 'a', '3');
    await until('both done', () => outcomesOf('busy').length === 1 && outcomesOf('a').length === 1);
    await sleep(100);
    expect(member.requestsFor('a').map((r) => r.version)).toEqual(['3']);
    expect(outcomesOf('a')).toMatchObject([{ hash: 'h3', status: '' }]);
  });

  it('sends newer work of a running key once the running request ends, superseding what waited', async () => {
    const exec = start();
    member.reply = () => ({ code: 201, delayMs: 200 });
    submit(exec, 'a', '1');
    await until('the first request', () => member.requests.length === 1);
    submit(exec, 'a', '2');
    submit(exec, 'a', '3');
    await until('two outcomes', () => outcomesOf('a').length === 2);
    await sleep(100);
    expect(member.requestsFor('a').map((r) => r.version)).toEqual(['1', '3']);
    expect(outcomesOf('a').map((o) => o.hash)).toEqual(['h1', 'h3']);
    // Never two requests for one object at once.
    expect(member.maxPerName).toBe(1);
    const [first, second] = member.requestsFor('a');
    expect(second!.at).toBeGreaterThanOrEqual(first!.endedAt!);
  });

  it('keeps one request per key at a time under a stream of changes, and ends with the latest', async () => {
    const exec = start({ maxInFlight: 8 });
    member.reply = () => ({ code: 201, delayMs: 30 });
    for (let v = 1; v <= 30; v++) {
      for (const key of ['a', 'b', 'c']) submit(exec, key, String(v));
      await sleep(7);
    }
    await until('the last versions', () => ['a', 'b', 'c'].every((k) => outcomesOf(k).at(-1)?.hash === 'h30'));
    expect(member.maxPerName).toBe(1);
    // Deduplicated: far fewer requests than changes.
    expect(member.requests.length).toBeLessThan(90);
    for (const key of ['a', 'b', 'c']) expect(member.requestsFor(key).at(-1)!.version).toBe('30');
  });

  it('has at most maxInFlight requests in flight, and uses them all', async () => {
    const exec = start({ maxInFlight: 4 });
    member.reply = () => ({ code: 201, delayMs: 100 });
    for (let i = 0; i < 20; i++) submit(exec, `k${i}`);
    expect(exec.inFlight).toBe(4);
    expect(exec.queued).toBe(16);
    await until('all done', () => received.length === 20);
    expect(member.maxInFlight).toBe(4);
    expect(member.requests).toHaveLength(20);
  });

  it('forgets cancelled waiting work without an outcome; a running request finishes', async () => {
    const exec = start({ maxInFlight: 1 });
    member.reply = () => ({ code: 201, delayMs: 150 });
    submit(exec, 'a');
    submit(exec, 'b');
    exec.cancel('b');
    exec.cancel('a');
    await until('a done', () => outcomesOf('a').length === 1);
    await sleep(200);
    expect(member.requests.map((r) => r.name)).toEqual(['a']);
    expect(outcomesOf('b')).toEqual([]);
  });

  it('refuses work beyond its bounded queue, and takes it again once there is room', async () => {
    const exec = start({ maxInFlight: 1, maxQueued: 3 });
    member.reply = () => ({ code: 201, delayMs: 100 });
    expect([submit(exec, 'a'), submit(exec, 'b'), submit(exec, 'c')]).toEqual([true, true, true]);
    expect(submit(exec, 'd')).toBe(false);
    // A key already there is replaced, not added.
    expect(submit(exec, 'c', '2')).toBe(true);
    await until('all done', () => received.length === 3);
    await sleep(50);
    expect(outcomesOf('d')).toEqual([]);
    expect(member.requestsFor('d')).toEqual([]);
    expect(submit(exec, 'd')).toBe(true);
    await until('d done', () => outcomesOf('d').length === 1);
  });

  it('answers at once when the cluster has no client', async () => {
    const exec = start({}, () => undefined);
    submit(exec, 'a');
    await until('the outcome', () => received.length === 1);
    expect(received[0]!.outcome).toMatchObject({ status: PropagationStatus.ClusterNotReady, notAttempted: true, message: 'cluster "m1" has no usable client' });
    expect(member.requests).toEqual([]);
  });
});

describe('ClusterExecutor: failures', () => {
  it('times out a request that gets no answer and reports a TimedOut status, retrying it', async () => {
    const exec = start({ unansweredBeforeFastFail: 100 });
    member.reply = (_req, index) => (index === 0 ? { hang: true } : { code: 201 });
    const t0 = performance.now();
    submit(exec, 'a');
    await until('done after a retry', () => outcomesOf('a').length === 2);
    const [timedOut, done] = received;
    expect(timedOut!.outcome).toMatchObject({ status: PropagationStatus.CreationTimedOut, retrying: true, unanswered: true });
    expect(timedOut!.outcome.message).toContain('timed out after 300 ms');
    expect(timedOut!.at - t0).toBeGreaterThanOrEqual(290);
    expect(timedOut!.at - t0).toBeLessThan(2000);
    expect(done!.outcome).toMatchObject({ status: '' });
  });

  it('retries a transient failure with growing backoff, and a refusal never', async () => {
    const exec = start();
    member.reply = (req) => (req.name === 'bad' ? { code: 422 } : member.requestsFor('flaky').length <= 3 ? { code: 500 } : { code: 201 });
    submit(exec, 'flaky');
    submit(exec, 'bad');
    await until('flaky done', () => outcomesOf('flaky').at(-1)?.status === '');
    expect(outcomesOf('flaky').map((o) => `${o.status || 'done'}${o.retrying ? ' (retrying)' : ''}`)).toEqual([
      'CreationFailed (retrying)',
      'CreationFailed (retrying)',
      'CreationFailed (retrying)',
      'done',
    ]);
    const at = member.requestsFor('flaky').map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 80, 160, 320 ms, each shortened by up to 20 % jitter.
    expect(gaps[0]).toBeGreaterThanOrEqual(80 * 0.8 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(160 * 0.8 - 5);
    expect(gaps[2]).toBeGreaterThanOrEqual(320 * 0.8 - 5);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
    // An answer, even an error, is no sign of a hung cluster.
    expect(exec.available).toBe(true);
    expect(outcomesOf('bad')).toMatchObject([{ status: PropagationStatus.CreationFailed, refused: true }]);
    expect(outcomesOf('bad')[0]!.retrying).toBeUndefined();
    expect(member.requestsFor('bad')).toHaveLength(1);
  });

  it('starts the backoff afresh when newer work for the key comes in', async () => {
    const exec = start({ retryBaseMs: 2000, retryMaxMs: 2000 });
    member.reply = (_req, index) => (index === 0 ? { code: 500 } : { code: 201 });
    submit(exec, 'a', '1');
    await until('the failure', () => outcomesOf('a').length === 1);
    const t0 = performance.now();
    submit(exec, 'a', '2');
    await until('the new version written', () => outcomesOf('a').length === 2);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(member.requestsFor('a').map((r) => r.version)).toEqual(['1', '2']);
  });

  it('fails fast after unanswered requests in a row: waiting and new work is answered at once, without a request', async () => {
    const exec = start({ maxInFlight: 3 });
    member.reply = () => ({ hang: true });
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) submit(exec, `k${i}`);
    await until('failing fast', () => !exec.available);
    const openedAt = availability.find((a) => !a.available)!.at;
    // Three timeouts of 300 ms in parallel: open after about one timeout, not ten.
    expect(openedAt - t0).toBeLessThan(1500);
    // Requests sent before it opened may reach the server a moment later.
    await sleep(100);
    const requestsAtOpen = member.requests.length;
    expect(requestsAtOpen).toBeLessThanOrEqual(5);
    // Every key that was not in flight got its answer when the executor opened.
    const notAttempted = received.filter((r) => r.outcome.notAttempted);
    expect(notAttempted.length).toBeGreaterThanOrEqual(5);
    for (const r of notAttempted) {
      expect(r.outcome).toMatchObject({ status: PropagationStatus.ClusterNotReady, message: expect.stringContaining('does not answer') });
      expect(r.at - openedAt).toBeLessThan(50);
    }
    // New work: answered at once, never sent (the cooldown is 500 ms).
    const t1 = performance.now();
    expect(submit(exec, 'late')).toBe(true);
    await until('late answered', () => outcomesOf('late').length === 1);
    expect(performance.now() - t1).toBeLessThan(50);
    expect(outcomesOf('late')[0]).toMatchObject({ notAttempted: true, status: PropagationStatus.ClusterNotReady });
    // Requests in flight when it opened end by their timeout and are not retried.
    await until('every key answered', () => Array.from({ length: 10 }, (_, i) => `k${i}`).every((k) => outcomesOf(k).length > 0));
    await sleep(400);
    expect(member.requests.length).toBe(requestsAtOpen);
    expect(received.every((r) => !r.outcome.retrying || r.at < openedAt + 5)).toBe(true);
    // Each key's last word is its last: a not-attempted answer is never followed by another outcome.
    for (let i = 0; i < 10; i++) {
      const outcomes = outcomesOf(`k${i}`);
      const notAttempted = outcomes.findIndex((o) => o.notAttempted);
      if (notAttempted >= 0) expect(notAttempted, `k${i}: ${JSON.stringify(outcomes)}`).toBe(outcomes.length - 1);
    }
    expect(exec.queued).toBe(0);
  });

  it('counts only unanswered requests in a row: an answer in between keeps it closed', async () => {
    const exec = start({ maxInFlight: 1, retryBaseMs: 10_000, retryMaxMs: 10_000 });
    const script: Reply[] = [{ hang: true }, { hang: true }, { code: 201 }, { hang: true }, { hang: true }, { code: 201 }];
    member.reply = (_req, index) => script[index] ?? { code: 201 };
    for (let i = 0; i < 6; i++) submit(exec, `k${i}`);
    await until('six outcomes', () => received.length === 6, 8000);
    expect(exec.available).toBe(true);
    expect(availability).toEqual([]);
  });

  it('counts reset connections as unanswered', async () => {
    const exec = start({ maxInFlight: 1, retryBaseMs: 10_000, retryMaxMs: 10_000 });
    member.reply = () => ({ reset: true });
    for (let i = 0; i < 3; i++) submit(exec, `k${i}`);
    await until('failing fast', () => !exec.available);
    const sent = received.filter((r) => !r.outcome.notAttempted);
    expect(sent.map((r) => `${r.key} ${r.outcome.status}`)).toEqual(['k0 CreationFailed', 'k1 CreationFailed', 'k2 CreationFailed']);
    expect(sent.every((r) => r.outcome.unanswered)).toBe(true);
    // The two backing off are answered when it opens; the request that opened it gets its own outcome only.
    expect(received.filter((r) => r.outcome.notAttempted).map((r) => r.key)).toEqual(['k0', 'k1']);
    expect(outcomesOf('k2')).toMatchObject([{ status: 'CreationFailed', retrying: false }]);
  });

  it('lets one request through after the cooldown; no answer: fails fast again for twice as long', async () => {
    const exec = start({ maxInFlight: 3 });
    member.reply = () => ({ hang: true });
    const announced: number[] = [];
    exec.onAvailable(() => announced.push(performance.now()));
    for (let i = 0; i < 3; i++) submit(exec, `k${i}`);
    await until('failing fast', () => !exec.available);
    const openedAt = availability.at(-1)!.at;
    await until('half-open', () => announced.length === 1, 3000);
    expect(announced[0]! - openedAt).toBeGreaterThanOrEqual(490);
    expect(exec.available).toBe(true);
    const before = member.requests.length;
    for (let i = 0; i < 3; i++) submit(exec, `p${i}`);
    await sleep(100);
    // Half-open: one probe at a time.
    expect(member.requests.length - before).toBe(1);
    expect(exec.inFlight).toBe(1);
    await until('failing fast again', () => !exec.available);
    const reopenedAt = availability.at(-1)!.at;
    // The two that waited behind the probe are answered without a request.
    expect(received.filter((r) => r.key.startsWith('p') && r.outcome.notAttempted)).toHaveLength(2);
    await until('half-open again', () => announced.length === 2, 5000);
    expect(announced[1]! - reopenedAt).toBeGreaterThanOrEqual(990);
    expect(member.requests.length - before).toBe(1);
  });

  it('closes when the probe is answered, and runs at full concurrency again', async () => {
    const exec = start({ maxInFlight: 3 });
    member.reply = () => ({ hang: true });
    for (let i = 0; i < 3; i++) submit(exec, `k${i}`);
    await until('failing fast', () => !exec.available);
    const announced: number[] = [];
    exec.onAvailable(() => announced.push(performance.now()));
    await until('half-open', () => announced.length === 1, 3000);
    member.reply = () => ({ code: 201, delayMs: 100 });
    submit(exec, 'probe');
    await until('probe done', () => outcomesOf('probe').length === 1);
    expect(availability.at(-1)!.available).toBe(true);
    const before = member.maxInFlight;
    member.maxInFlight = 0;
    for (let i = 0; i < 9; i++) submit(exec, `n${i}`);
    await until('all done', () => Array.from({ length: 9 }, (_, i) => `n${i}`).every((k) => outcomesOf(k).length === 1));
    expect(member.maxInFlight).toBe(3);
    expect(before).toBeGreaterThanOrEqual(1);
  });

  it('stops failing fast at once when the prober sees the cluster ready', async () => {
    const exec = start({ maxInFlight: 3, fastFailCooldownMs: 60_000, fastFailCooldownMaxMs: 60_000 });
    member.reply = () => ({ hang: true });
    for (let i = 0; i < 3; i++) submit(exec, `k${i}`);
    await until('failing fast', () => !exec.available);
    const announced: number[] = [];
    exec.onAvailable(() => announced.push(performance.now()));
    member.reply = () => ({ code: 201, delayMs: 100 });
    exec.markReady();
    expect(exec.available).toBe(true);
    expect(announced).toHaveLength(1);
    await until('the hung requests ended', () => member.inFlight === 0);
    member.maxInFlight = 0;
    for (let i = 0; i < 6; i++) submit(exec, `n${i}`);
    await until('all done', () => Array.from({ length: 6 }, (_, i) => `n${i}`).every((k) => outcomesOf(k).at(-1)?.status === ''));
    // Full concurrency right away, not one probe at a time.
    expect(member.requests.filter((r) => r.name.startsWith('n')).length).toBe(6);
    expect(member.maxInFlight).toBe(3);
  });

  it('answers all waiting work at once when the prober sees the cluster not ready; running requests finish', async () => {
    const exec = start({ maxInFlight: 1 });
    member.reply = () => ({ code: 201, delayMs: 150 });
    for (let i = 0; i < 5; i++) submit(exec, `k${i}`);
    await until('k0 sent', () => member.requests.length === 1);
    const t0 = performance.now();
    exec.markNotReady();
    expect(received.map((r) => r.key)).toEqual(['k1', 'k2', 'k3', 'k4']);
    for (const r of received) {
      expect(r.outcome).toMatchObject({ status: PropagationStatus.ClusterNotReady, notAttempted: true, message: 'cluster "m1" is not ready' });
      expect(r.at - t0).toBeLessThan(20);
    }
    await until('k0 done', () => outcomesOf('k0').length === 1);
    expect(outcomesOf('k0')[0]!.status).toBe('');
    expect(member.requests).toHaveLength(1);
    // Not failing fast: new work is still sent.
    submit(exec, 'after');
    await until('after done', () => outcomesOf('after').length === 1);
    expect(outcomesOf('after')[0]!.status).toBe('');
  });

  it('stops: waiting work is answered, work in flight finishes, nothing is taken after', async () => {
    const exec = start({ maxInFlight: 1 });
    member.reply = () => ({ code: 201, delayMs: 200 });
    submit(exec, 'a');
    submit(exec, 'b');
    await until('a sent', () => member.requests.length === 1);
    await exec.stop();
    expect(outcomesOf('a')[0]!.status).toBe('');
    expect(outcomesOf('b')[0]).toMatchObject({ notAttempted: true });
    submit(exec, 'c');
    await until('c answered', () => outcomesOf('c').length === 1);
    expect(outcomesOf('c')[0]).toMatchObject({ notAttempted: true });
    expect(member.requests.map((r) => r.name)).toEqual(['a']);
  });
});
