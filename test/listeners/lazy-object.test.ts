// `lazyObject` (src/listeners/context.ts): a per-request service made on first use, held by
// the context as a plain property. Nothing is made until something is read from it; then it
// is made once, and reads, `in`, writes, key listings and methods reach the made object.

import { describe, expect, it } from 'vitest';
import { lazyObject } from '../../src/listeners/context.js';

interface Counter {
  name: string;
  count: number;
  bump(): number;
  optional?: () => void;
}

function counterMaker() {
  let made = 0;
  const make = (): Counter => {
    made += 1;
    return {
      name: 'counter',
      count: 0,
      bump() {
        this.count += 1;
        return this.count;
      },
    };
  };
  return { make, made: () => made };
}

describe('lazyObject', () => {
  it('makes nothing until used, then makes its object once', () => {
    const { make, made } = counterMaker();
    const counter = lazyObject(make);
    expect(made()).toBe(0);
    expect(counter.name).toBe('counter');
    expect(counter.bump()).toBe(1);
    expect(counter.bump()).toBe(2);
    expect(made()).toBe(1);
  });

  it('answers `in`, writes, key listings and spreads as the made object would', () => {
    const { make } = counterMaker();
    const counter = lazyObject(make);
    expect('bump' in counter).toBe(true);
    expect('optional' in counter).toBe(false);
    expect(counter.optional).toBeUndefined();
    counter.count = 10;
    expect(counter.bump()).toBe(11);
    expect(Object.keys(counter)).toEqual(['name', 'count', 'bump']);
    expect({ ...counter }).toMatchObject({ name: 'counter', count: 11 });
  });

  it('passes on a failure to make it, and tries again on the next use', () => {
    let attempts = 0;
    const flaky = lazyObject((): { ok: boolean } => {
      attempts += 1;
      if (attempts === 1) throw new Error('not yet');
      return { ok: true };
    });
    expect(() => flaky.ok).toThrow('not yet');
    expect(flaky.ok).toBe(true);
    expect(attempts).toBe(2);
  });
});
