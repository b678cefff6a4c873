// Go `metav1.Duration` strings ("1m0s", "20s", "1h2m3.5s", "500ms"), the wire form of KubeFedConfig's
// durations: parsing to milliseconds, formatting back the way Go prints them, and zod schemas for them.
import { z } from 'zod';

/** Thrown for text that Go's `time.ParseDuration` would refuse. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
}

const NANOS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu; Go accepts both
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

// Go durations are int64 nanoseconds.
const MAX_NANOS = 2n ** 63n - 1n;

/**
 * The same language as `NANOS_PER_UNIT`, for the CRD's `pattern` (Go RE2 and JS agree on it). Overflow is the
 * only thing it lets through that the parser refuses.
 */
export const GO_DURATION_PATTERN = /^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$/;

const COMPONENT = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/** Parses a Go duration string to integer nanoseconds. */
export function parseDurationNanos(text: string): bigint {
  const fail = (why: string) => new DurationError(`invalid duration ${JSON.stringify(text)}: ${why}`);
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw fail('expected numbers with units such as "20s", "1m30s" or "500ms"');

  let total = 0n;
  let at = 0;
  while (at < rest.length) {
    COMPONENT.lastIndex = at;
    const match = COMPONENT.exec(rest);
    const whole = match?.[1] ?? '';
    const fraction = match?.[2] ?? '';
    const unit = match?.[3] ?? '';
    if (!match || (whole === '' && fraction === '')) throw fail(`expected a number at ${JSON.stringify(rest.slice(at))}`);
    if (unit === '') throw fail(`missing unit after ${JSON.stringify(match[0])} (use ns, us, ms, s, m or h)`);
    const scale = NANOS_PER_UNIT[unit];
    if (scale === undefined) throw fail(`unknown unit ${JSON.stringify(unit)} (use ns, us, ms, s, m or h)`);
    const fractionNanos = fraction === '' ? 0n : (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    total += BigInt(whole === '' ? '0' : whole) * scale + fractionNanos;
    if (total > MAX_NANOS + (negative ? 1n : 0n)) throw fail('out of range (at most about 292 years)');
    at += match[0].length;
  }
  return negative ? -total : total;
}

/** Parses a Go duration string to milliseconds (fractional below 1 ms). Throws `DurationError`. */
export function parseDuration(text: string): number {
  const nanos = parseDurationNanos(text);
  return Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6;
}

/** Formats milliseconds exactly as Go's `time.Duration.String()` would: "1m0s", "20s", "1.5s", "500ms", "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new DurationError(`cannot format ${ms} as a duration`);
  const whole = Math.trunc(ms);
  return formatDurationNanos(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
}

export function formatDurationNanos(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const sign = nanos < 0n ? '-' : '';
  const u = nanos < 0n ? -nanos : nanos;
  if (u < 1_000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${withFraction(u, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${withFraction(u, 6)}ms`;
  const seconds = u / 1_000_000_000n;
  const secondsText = `${seconds % 60n}${fractionDigits(u % 1_000_000_000n, 9)}s`;
  if (seconds < 60n) return `${sign}${secondsText}`;
  const minutes = (seconds / 60n) % 60n;
  const hours = seconds / 3600n;
  return hours === 0n ? `${sign}${minutes}m${secondsText}` : `${sign}${hours}h${minutes}m${secondsText}`;
}

/** `value / 10^digits` written as a decimal without trailing zeros. */
function withFraction(value: bigint, digits: number): string {
  const base = 10n ** BigInt(digits);
  return `${value / base}${fractionDigits(value % base, digits)}`;
}

function fractionDigits(value: bigint, digits: number): string {
  if (value === 0n) return '';
  return `.${value.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Like `parseDurationNanos`, but `undefined` for text Go would refuse. */
export function tryParseDurationNanos(text: string): bigint | undefined {
  try {
    return parseDurationNanos(text);
  } catch (error) {
    if (error instanceof DurationError) return undefined;
    throw error;
  }
}

/** A Go duration string; the length cap keeps CEL rules on it cheap. */
export const DurationSchema = z
  .string()
  .max(64)
  .regex(GO_DURATION_PATTERN, { message: 'must be a Go duration such as "20s", "1m30s" or "500ms"' })
  .refine((text) => tryParseDurationNanos(text) !== undefined, { message: 'duration out of range' });

/** A Go duration string that must be greater than zero, checked by zod and by the API server (CEL). */
export const PositiveDurationSchema = DurationSchema.refine((text) => (tryParseDurationNanos(text) ?? 1n) > 0n, {
  message: 'must be greater than 0',
}).meta({
  'x-kubernetes-validations': [
    {
      // Malformed text is reported by `pattern`; without the guard CEL would add a conversion error.
      rule: `!self.matches(r'${GO_DURATION_PATTERN.source}') || duration(self) > duration('0s')`,
      message: 'must be greater than 0',
    },
  ],
});
