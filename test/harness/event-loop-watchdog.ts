// vitest setup file of the integration group: a watchdog thread that ends this test file's worker when its
// event loop has been blocked for longer than any test or hook may take. vitest's own timeouts are timers on
// that same loop, so code that never yields (a synchronous loop, or microtasks that keep queueing each other)
// would otherwise hang the whole run silently until CI gave up on it; this way the file fails, says why, and
// the run goes on with the next file.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'vitest';

/** Longer than the integration group's hookTimeout (120 s), so a slow hook is never mistaken for a hang. */
const BLOCKED_LIMIT_MS = Number(process.env.KUBEFED_TEST_BLOCKED_LIMIT_MS) || 180_000;
const BEAT_MS = 1_000;

const file = path.relative(process.cwd(), expect.getState().testPath ?? 'unknown');
const lastBeat = new Float64Array(new SharedArrayBuffer(8));
lastBeat[0] = Date.now();
setInterval(() => (lastBeat[0] = Date.now()), BEAT_MS).unref();

// The thread reads the beat the main thread writes; it needs no module of its own (eval), only the pid.
const watchdog = new Worker(
  `
  const { workerData } = require('node:worker_threads');
  const beat = new Float64Array(workerData.buffer);
  setInterval(() => {
    const blocked = Date.now() - beat[0];
    if (blocked < workerData.limit) return;
    // Straight to fd 2: a thread's process.stderr goes through the main thread, which is the one blocked.
    require('node:fs').writeSync(2, '[watchdog] the event loop of the worker running ' + workerData.file + ' has been blocked for ' +
      Math.round(blocked / 1000) + ' s (code that never yields to timers and I/O); killing the worker (pid ' + workerData.pid + ')\\n');
    process.kill(workerData.pid, 'SIGKILL');
  }, 5000);
  `,
  { eval: true, workerData: { buffer: lastBeat.buffer, limit: BLOCKED_LIMIT_MS, file, pid: process.pid } },
);
watchdog.unref();
