import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../../src/api/common.js';
import { matchesLabelSelector, validateLabelSelector } from '../../../src/sync/label-selector.js';

const labels = { region: 'eu', tier: 'gold', 'example.com/zone': 'a' };

describe('matchesLabelSelector', () => {
  it.each<[string, LabelSelector, Record<string, string> | undefined, boolean]>([
    ['empty selector matches labels', {}, labels, true],
    ['empty selector matches no labels', {}, undefined, true],
    ['empty selector matches empty labels', {}, {}, true],
    ['matchLabels hit', { matchLabels: { region: 'eu' } }, labels, true],
    ['matchLabels wrong value', { matchLabels: { region: 'us' } }, labels, false],
    ['matchLabels all must hold', { matchLabels: { region: 'eu', tier: 'silver' } }, labels, false],
    ['matchLabels key absent', { matchLabels: { env: 'prod' } }, labels, false],
    ['matchLabels empty value needs the key', { matchLabels: { env: '' } }, labels, false],
    ['matchLabels empty value present', { matchLabels: { env: '' } }, { env: '' }, true],
    ['matchLabels with prefixed key', { matchLabels: { 'example.com/zone': 'a' } }, labels, true],
    ['matchLabels against undefined labels', { matchLabels: { region: 'eu' } }, undefined, false],
    ['In hit', { matchExpressions: [{ key: 'region', operator: 'In', values: ['us', 'eu'] }] }, labels, true],
    ['In miss', { matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] }, labels, false],
    ['In key absent', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, labels, false],
    ['NotIn hit', { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['us'] }] }, labels, true],
    ['NotIn miss', { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['eu'] }] }, labels, false],
    ['NotIn key absent matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels, true],
    ['NotIn with no labels matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, undefined, true],
    ['Exists hit', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, true],
    ['Exists with empty values list', { matchExpressions: [{ key: 'tier', operator: 'Exists', values: [] }] }, labels, true],
    ['Exists miss', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels, false],
    ['DoesNotExist hit', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels, true],
    ['DoesNotExist miss', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels, false],
    [
      'matchLabels AND matchExpressions both hold',
      { matchLabels: { region: 'eu' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] },
      labels,
      true,
    ],
    [
      'matchLabels holds, expression fails',
      { matchLabels: { region: 'eu' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['silver'] }] },
      labels,
      false,
    ],
    [
      'every expression must hold',
      {
        matchExpressions: [
          { key: 'region', operator: 'Exists' },
          { key: 'env', operator: 'Exists' },
        ],
      },
      labels,
      false,
    ],
    ['unknown operator never matches', { matchExpressions: [{ key: 'region', operator: 'in', values: ['eu'] }] }, labels, false],
    ['NotIn without values (invalid) never matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: [] }] }, labels, false],
    ['Exists with values (invalid) never matches', { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['gold'] }] }, labels, false],
    ['label named like an Object prototype key is not assumed', { matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {}, false],
  ])('%s', (_name, selector, given, expected) => {
    expect(matchesLabelSelector(selector, given)).toBe(expected);
  });

  it('does not mutate its inputs', () => {
    const selector: LabelSelector = { matchLabels: { region: 'eu' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] };
    const frozen = structuredClone(selector);
    const given = { ...labels };
    matchesLabelSelector(Object.freeze(selector), Object.freeze(given));
    expect(selector).toEqual(frozen);
    expect(given).toEqual(labels);
  });
});

describe('validateLabelSelector', () => {
  const at = 'spec.placement.clusterSelector';

  it.each<[string, LabelSelector]>([
    ['empty', {}],
    ['matchLabels', { matchLabels: { region: 'eu', 'kubefed.io/managed': 'true', empty: '' } }],
    [
      'every operator',
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'NotIn', values: ['x', 'y'] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist', values: [] },
        ],
      },
    ],
  ])('accepts %s', (_name, selector) => {
    expect(validateLabelSelector(selector)).toEqual([]);
  });

  it.each<[string, LabelSelector, string[]]>([
    [
      'unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] },
      [`${at}.matchExpressions[0].operator: unknown operator "in"; must be one of In, NotIn, Exists, DoesNotExist`],
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'In' }] },
      [`${at}.matchExpressions[1].values: must be non-empty when operator is In`],
    ],
    [
      'NotIn with empty values',
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      [`${at}.matchExpressions[0].values: must be non-empty when operator is NotIn`],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      [`${at}.matchExpressions[0].values: must be empty when operator is Exists`],
    ],
    [
      'DoesNotExist with values',
      { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] },
      [`${at}.matchExpressions[0].values: must be empty when operator is DoesNotExist`],
    ],
    [
      'empty key',
      { matchExpressions: [{ key: '', operator: 'Exists' }] },
      [`${at}.matchExpressions[0].key: must be a non-empty label key`],
    ],
    [
      'several problems at once',
      {
        matchExpressions: [
          { key: 'a', operator: 'Equals', values: ['x'] },
          { key: 'b', operator: 'In', values: [] },
        ],
      },
      [
        `${at}.matchExpressions[0].operator: unknown operator "Equals"; must be one of In, NotIn, Exists, DoesNotExist`,
        `${at}.matchExpressions[1].values: must be non-empty when operator is In`,
      ],
    ],
  ])('rejects %s', (_name, selector, errors) => {
    expect(validateLabelSelector(selector)).toEqual(errors);
  });

  it.each<[string, LabelSelector, RegExp]>([
    ['a key with spaces', { matchLabels: { 'bad key': 'x' } }, /^spec\.placement\.clusterSelector\.matchLabels: invalid label key "bad key"/],
    ['an upper-case prefix', { matchLabels: { 'Example.com/zone': 'x' } }, /matchLabels: invalid label key "Example\.com\/zone": the prefix/],
    ['a bad value', { matchLabels: { zone: '-a' } }, /^spec\.placement\.clusterSelector\.matchLabels\["zone"\]: invalid label value "-a"/],
    ['a long value', { matchLabels: { zone: 'a'.repeat(64) } }, /invalid label value/],
    ['a bad expression value', { matchExpressions: [{ key: 'z', operator: 'In', values: ['ok', 'not ok'] }] }, /matchExpressions\[0\]\.values\[1\]: invalid label value "not ok"/],
  ])('rejects %s like the API machinery', (_name, selector, pattern) => {
    const errors = validateLabelSelector(selector);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(pattern);
  });

  it('prefixes messages with the given field path', () => {
    expect(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, 'spec.selector')).toEqual([
      'spec.selector.matchExpressions[0].operator: unknown operator "Bogus"; must be one of In, NotIn, Exists, DoesNotExist',
    ]);
  });

  it('copes with malformed objects from a cache', () => {
    expect(validateLabelSelector({ matchExpressions: 'x' } as unknown as LabelSelector)).toEqual([`${at}.matchExpressions: must be a list`]);
    expect(validateLabelSelector({ matchExpressions: [null] } as unknown as LabelSelector)).toEqual([
      `${at}.matchExpressions[0]: must be an object with key, operator and values`,
    ]);
    expect(validateLabelSelector({ matchLabels: null, matchExpressions: null } as unknown as LabelSelector)).toEqual([]);
  });
});
