// The echoes of our own host writes: an update to the very version our write returned needs no reconcile;
// any other version does, and each recorded version answers one event only.
import { describe, expect, it } from 'vitest';
import { OwnWrites } from '../../../src/sync/own-writes.js';

describe('OwnWrites', () => {
  it.each([
    { name: 'the version our write returned is an echo', wrote: '12', event: '12', echo: true },
    { name: 'another version is not', wrote: '12', event: '13', echo: false },
    { name: 'an event without a version is not', wrote: '12', event: undefined, echo: false },
    { name: 'nothing written: not an echo', wrote: undefined, event: '12', echo: false },
  ])('$name', ({ wrote, event, echo }) => {
    const own = new OwnWrites();
    if (wrote !== undefined) own.wrote('ns/a', wrote);
    expect(own.isEcho('ns/a', event)).toBe(echo);
    expect(own.isEcho('ns/b', event)).toBe(false);
  });

  it('answers once: the same version again (a relist, another writer restoring it) is reconciled', () => {
    const own = new OwnWrites();
    own.wrote('ns/a', '12');
    expect(own.isEcho('ns/a', '12')).toBe(true);
    expect(own.isEcho('ns/a', '12')).toBe(false);
  });

  it('a version seen in between (another writer first) uses the record up', () => {
    const own = new OwnWrites();
    own.wrote('ns/a', '12');
    expect(own.isEcho('ns/a', '11')).toBe(false);
    expect(own.isEcho('ns/a', '12')).toBe(false);
  });

  it('the last write counts; a write without a version and forget drop the record', () => {
    const own = new OwnWrites();
    own.wrote('ns/a', '12');
    own.wrote('ns/a', '14');
    expect(own.isEcho('ns/a', '14')).toBe(true);
    own.wrote('ns/a', '15');
    own.wrote('ns/a', undefined);
    expect(own.isEcho('ns/a', '15')).toBe(false);
    own.wrote('ns/a', '16');
    own.forget('ns/a');
    expect(own.size).toBe(0);
    expect(own.isEcho('ns/a', '16')).toBe(false);
  });
});

