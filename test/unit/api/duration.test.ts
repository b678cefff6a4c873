import { describe, expect, it } from 'vitest';
import {
  DurationError,
  DurationSchema,
  formatDuration,
  formatDurationNanos,
  parseDuration,
  parseDurationNanos,
  PositiveDurationSchema,
  tryParseDurationNanos,
} from '../../../src/api/duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['-0', 0],
    ['20s', 20_000],
    ['1m0s', 60_000],
    ['5m0s', 300_000],
    ['1h2m3.5s', 3_723_500],
    ['500ms', 500],
    ['1500ms', 1_500],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1_000],
    ['+3s', 3_000],
    ['-1m30s', -90_000],
    ['2h45m', 9_900_000],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['100μs', 0.1],
    ['250ns', 0.00025],
    ['1s500ms', 1_500],
    ['3m3m', 360_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    ['', 'expected numbers with units'],
    ['-', 'expected numbers with units'],
    ['10', 'missing unit'],
    ['1h30', 'missing unit'],
    ['00', 'missing unit'],
    ['s', 'expected a number'],
    ['.s', 'expected a number'],
    ['1d', 'unknown unit "d"'],
    ['10 seconds', 'unknown unit " seconds"'],
    ['1S', 'unknown unit "S"'],
    ['3000000h', 'out of range'],
  ])('rejects %j: %s', (text, why) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow(`invalid duration ${JSON.stringify(text)}: ${why}`);
  });

  it('tryParseDurationNanos returns undefined instead of throwing', () => {
    expect(tryParseDurationNanos('1m')).toBe(60_000_000_000n);
    expect(tryParseDurationNanos('1 m')).toBeUndefined();
  });

  it('keeps nanosecond precision', () => {
    expect(parseDurationNanos('1h0.000000001s')).toBe(3_600_000_000_001n);
    expect(parseDurationNanos('2562047h47m16.854775807s')).toBe(2n ** 63n - 1n);
    expect(parseDurationNanos('-2562047h47m16.854775808s')).toBe(-(2n ** 63n));
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [20_000, '20s'],
    [60_000, '1m0s'],
    [300_000, '5m0s'],
    [3_723_500, '1h2m3.5s'],
    [3_600_000, '1h0m0s'],
    [500, '500ms'],
    [1_500, '1.5s'],
    [1.5, '1.5ms'],
    [0.1, '100µs'],
    [0.00025, '250ns'],
    [-90_000, '-1m30s'],
    [90_061_001, '25h1m1.001s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each(['1m0s', '20s', '1h2m3.5s', '500ms', '1.5µs', '0s', '-2h0m0.5s'])('round-trips %s', (text) => {
    expect(formatDurationNanos(parseDurationNanos(text))).toBe(text);
  });

  it('normalises like Go', () => {
    expect(formatDuration(parseDuration('90s'))).toBe('1m30s');
    expect(formatDuration(parseDuration('1500ms'))).toBe('1.5s');
  });

  it('refuses non-finite numbers', () => {
    expect(() => formatDuration(Number.NaN)).toThrow(DurationError);
  });
});

describe('duration schemas', () => {
  it.each(['20s', '1m0s', '1h2m3.5s', '500ms', '0'])('DurationSchema accepts %s', (text) => {
    expect(DurationSchema.safeParse(text).success).toBe(true);
  });

  it.each(['', '10', '1d', 'abc', '3000000h', 'x'.repeat(65)])('DurationSchema rejects %j', (text) => {
    expect(DurationSchema.safeParse(text).success).toBe(false);
  });

  it.each([
    ['0s', false],
    ['-1s', false],
    ['1ns', true],
    ['20s', true],
  ])('PositiveDurationSchema %s → %s', (text, ok) => {
    expect(PositiveDurationSchema.safeParse(text).success).toBe(ok);
  });

  it('explains a malformed duration', () => {
    const result = DurationSchema.safeParse('10 seconds');
    expect(result.error?.issues[0]?.message).toContain('must be a Go duration');
  });

  it('agrees with the parser on what is well-formed', () => {
    for (const text of ['1h', '1.h', '.1h', '1..h', '1h.', 'h', '+-1s', '1e3s', '1_000s', '١s']) {
      let parses = true;
      try {
        parseDurationNanos(text);
      } catch {
        parses = false;
      }
      expect(DurationSchema.safeParse(text).success, text).toBe(parses);
    }
  });
});
