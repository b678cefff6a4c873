// Structured logs (pino): constant messages, variable data as keys (controller, cluster, namespace, name).
// Credentials never reach a log line: redaction covers the usual places tokens and keys live.
// JSON by default; `text` writes `time LEVEL message key=value…`, so that a line KubeFed's users grep for
// with its quotes (`Using valid KubeFedConfig "ns/kubefed"`) appears verbatim, unescaped.
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'text';

export function createLogger(
  options: { level?: string; name?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const destination = (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 2, sync: false });
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
    // Redaction happens before serialisation, so the text form carries only what the JSON would.
    options.format === 'text' ? { write: (line: string) => destination.write(textLogLine(line)) } : destination,
  );
}

const BARE_VALUE = /^[^\s"=]+$/;

/** One JSON log line as `time LEVEL message key=value…` (values quoted as JSON unless plain words). */
export function textLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const { time, level, msg, name: _name, ...fields } = entry;
  const pairs = Object.entries(fields).map(
    ([key, value]) => `${key}=${typeof value === 'string' && BARE_VALUE.test(value) ? value : JSON.stringify(value)}`,
  );
  return `${[String(time), String(level).toUpperCase(), String(msg ?? ''), ...pairs].join(' ')}\n`;
}

/** A logger that drops everything, for tests and tools that print their own output. */
export const silentLogger: Logger = pino({ level: 'silent' });
