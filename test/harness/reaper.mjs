// Watches the process that started a local control plane and, once that process is gone (a finished,
// interrupted or SIGKILLed test run), stops exactly the processes listed in the control plane's state
// file and removes its folder. Plain JavaScript so it can be started without a TypeScript loader.
//
// Usage: node reaper.mjs <ownerPid> <stateFile>
// State file: {"dir": "...", "processes": [{"pid": 123, "binary": "/path/to/etcd"}, ...]}
import { readFileSync, rmSync } from 'node:fs';

const [ownerPidArg, stateFile] = process.argv.slice(2);
const ownerPid = Number(ownerPidArg);
if (!Number.isInteger(ownerPid) || !stateFile) {
  console.error('usage: reaper.mjs <ownerPid> <stateFile>');
  process.exit(2);
}

// A terminal's Ctrl-C reaches the whole foreground process group; the reaper must outlive it.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGQUIT']) process.on(signal, () => {});
// SIGTERM is how the owner says "I have cleaned up myself".
process.on('SIGTERM', () => process.exit(0));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when pid still runs `binary` (guards against a recycled pid). */
function runs(pid, binary) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline[0] === binary;
  } catch {
    return false;
  }
}

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return { dir: undefined, processes: [] };
  }
}

async function reap() {
  const state = readState();
  const mine = (state.processes ?? []).filter((p) => runs(p.pid, p.binary));
  for (const p of mine) {
    try { process.kill(p.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && mine.some((p) => runs(p.pid, p.binary))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of mine) {
    if (runs(p.pid, p.binary)) {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  process.exit(0);
}

const timer = setInterval(() => {
  if (!alive(ownerPid)) {
    clearInterval(timer);
    void reap();
  }
}, 250);
