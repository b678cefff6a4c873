// Structured logs (pino): constant messages, variable data as keys (controller, cluster, namespace, name).
// Credentials never reach a log line: redaction covers the usual places tokens and keys live.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'kubefed-ts',
      level: options.level ?? process.env.KUBEFED_LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['token', '*.token', 'headers.Authorization', '*.headers.Authorization', 'data.token', '*.data.token', 'bearerToken', 'caBundle'],
        censor: '[redacted]',
      },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and tools that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
