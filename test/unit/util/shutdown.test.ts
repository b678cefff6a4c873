import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/util/log.js';
import { GracefulShutdown, type ShutdownProcess, type ShutdownSignal } from '../../../src/util/shutdown.js';

/** A process stand-in: signals are emitted by the test, exit codes recorded. */
function fakeProcess(): ShutdownProcess & { send(signal: ShutdownSignal): void; exits: number[] } {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  return {
    on: (signal, listener) => emitter.on(signal, listener),
    exit: (code) => void exits.push(code),
    send: (signal) => void emitter.emit(signal),
    exits,
  };
}

function capturedLog(): { log: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk.toString());
      done();
    },
  });
  return { log: createLogger({ destination, level: 'info' }), lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const settled = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('GracefulShutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('on %s runs the stop steps in order, then exits 0', async (signal) => {
    const proc = fakeProcess();
    const { log, lines } = capturedLog();
    const shutdown = new GracefulShutdown({ log, message: 'shutting down: draining', proc });
    const steps: string[] = [];
    shutdown.onSignals(async () => {
      steps.push('work');
      await settled();
      steps.push('servers');
    });
    expect(shutdown.stopping).toBe(false);
    proc.send(signal);
    await settled();
    await settled();
    expect(steps).toEqual(['work', 'servers']);
    expect(proc.exits).toEqual([0]);
    expect(lines()).toEqual([expect.objectContaining({ msg: 'shutting down: draining', signal })]);
  });

  it('is stopping from the signal on, before the steps are done, and a second signal starts no second stop', async () => {
    const proc = fakeProcess();
    const shutdown = new GracefulShutdown({ log: capturedLog().log, proc });
    let release!: () => void;
    let runs = 0;
    shutdown.onSignals(async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    });
    proc.send('SIGTERM');
    expect(shutdown.stopping).toBe(true);
    proc.send('SIGINT');
    proc.send('SIGTERM');
    expect(proc.exits).toEqual([]);
    release();
    await settled();
    expect(runs).toBe(1);
    expect(proc.exits).toEqual([0]);
  });

  it('exits 1 and says why when a step fails', async () => {
    const proc = fakeProcess();
    const { log, lines } = capturedLog();
    const shutdown = new GracefulShutdown({ log, proc });
    const steps: string[] = [];
    shutdown.onSignals(async () => {
      steps.push('manager');
      throw new Error('lease update refused');
    });
    proc.send('SIGTERM');
    await settled();
    expect(steps).toEqual(['manager']);
    expect(proc.exits).toEqual([1]);
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }),
      expect.objectContaining({ msg: 'error during shutdown', err: 'lease update refused' }),
    ]);
  });
});
