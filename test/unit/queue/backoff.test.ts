import { describe, expect, it } from 'vitest';
import { exponentialBackoff, proportionalJitter } from '../../../src/queue/backoff.js';

describe('exponentialBackoff', () => {
  it.each<[string, number, number, number, number]>([
    ['first retry waits the base', 0, 50, 60_000, 50],
    ['doubles per failure', 1, 50, 60_000, 100],
    ['doubles again', 4, 50, 60_000, 800],
    ['caps at max', 20, 50, 60_000, 60_000],
    ['huge failure counts stay at the cap', 5_000, 50, 60_000, 60_000],
    ['infinite failures give the cap', Number.POSITIVE_INFINITY, 50, 60_000, 60_000],
    ['negative failures count as zero', -3, 50, 60_000, 50],
    ['NaN failures count as zero', Number.NaN, 50, 60_000, 50],
    ['fractional failures are floored', 2.9, 10, 1_000, 40],
    ['max below base is a hard ceiling', 0, 500, 100, 100],
    ['zero base never grows', 3_000, 0, 60_000, 0],
    ['infinite max means no cap', 30, 1, Number.POSITIVE_INFINITY, 2 ** 30],
  ])('%s', (_name, failures, base, max, expected) => {
    expect(exponentialBackoff(failures, base, max)).toBe(expected);
  });

  it('applies jitter to the capped delay', () => {
    expect(exponentialBackoff(2, 100, 60_000, (d) => d + 7)).toBe(407);
    expect(exponentialBackoff(30, 100, 1_000, (d) => d / 2)).toBe(500);
  });

  it.each<[string, number, number]>([
    ['above the cap', 10_000, 1_000],
    ['negative', -5, 0],
  ])('clamps a jitter result that is %s', (_name, jittered, expected) => {
    expect(exponentialBackoff(10, 100, 1_000, () => jittered)).toBe(expected);
  });

  it('ignores a jitter that returns NaN', () => {
    expect(exponentialBackoff(1, 100, 1_000, () => Number.NaN)).toBe(200);
  });
});

describe('proportionalJitter', () => {
  it('shortens by up to the fraction, never lengthens', () => {
    expect(proportionalJitter(0.1, () => 0)(1_000)).toBe(1_000);
    expect(proportionalJitter(0.1, () => 0.5)(1_000)).toBeCloseTo(950);
    expect(proportionalJitter(0.1, () => 0.999_999)(1_000)).toBeGreaterThan(900);
  });

  it('clamps the fraction to [0, 1]', () => {
    expect(proportionalJitter(5, () => 0.5)(1_000)).toBe(500);
    expect(proportionalJitter(-1, () => 0.5)(1_000)).toBe(1_000);
  });

  it('keeps the backoff within [0, max]', () => {
    const jitter = proportionalJitter(1);
    for (let failures = 0; failures < 40; failures++) {
      const delay = exponentialBackoff(failures, 50, 60_000, jitter);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(60_000);
    }
  });
});
