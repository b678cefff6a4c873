// Graceful shutdown of the two binaries (controller-manager and agent). The first SIGTERM or SIGINT runs the
// binary's stop steps and exits 0, or 1 if a step fails; a second signal (Ctrl-C twice, or a SIGTERM after
// one) does not start a second stop overlapping the first. `stopping` turns true at once, for /readyz.
import type { Logger } from './log.js';

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** Where signals come from and how the process ends: `process` itself, or a stand-in in unit tests. */
export interface ShutdownProcess {
  on(signal: ShutdownSignal, listener: () => void): unknown;
  exit(code: number): void;
}

export class GracefulShutdown {
  #stopping = false;

  constructor(
    private readonly options: {
      log: Logger;
      /** Logged with the signal when the stop begins. */
      message?: string;
      proc?: ShutdownProcess;
    },
  ) {}

  /** True from the first signal on, while the stop steps still run. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * Runs `stop` on the first SIGTERM or SIGINT, then exits. `stop` holds the binary's steps in their order
   * (in-flight work first, servers and clients last); a step that throws ends the process with exit code 1.
   */
  onSignals(stop: () => Promise<void>): void {
    const proc = this.options.proc ?? process;
    for (const signal of SHUTDOWN_SIGNALS) proc.on(signal, () => void this.stop(signal, stop));
  }

  /** The stop itself, on `signal`; a no-op once a stop has begun. */
  async stop(signal: ShutdownSignal, stop: () => Promise<void>): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const { log, message = 'shutting down' } = this.options;
    const proc = this.options.proc ?? process;
    log.info({ signal }, message);
    try {
      await stop();
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'error during shutdown');
      proc.exit(1);
      return;
    }
    proc.exit(0);
  }
}
