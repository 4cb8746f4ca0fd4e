// The HTTP boundary of the CRM adapter tests: nock with the network closed, and every request
// that no scope expected collected and failed once the test is over (it would have cost the
// account a request, or it is one the bot should not have made).

import nock from 'nock';
import { afterEach, beforeEach, expect } from 'vitest';

export interface NockBoundary {
  /** Removes every scope, opens the network again and fails the test on a request nobody expected. */
  close(what?: string): void;
}

export interface NockBoundaryOptions {
  /**
   * `allow` for the tests of the HTTP wrapper itself, which also send requests no scope
   * serves on purpose: to nock's caller that is a network failure, one of the wrapper's cases.
   */
  unmatched?: 'fail' | 'allow';
}

/** Closes the network and starts collecting unmatched requests, until `close`. */
export function openNockBoundary({ unmatched: onUnmatched = 'fail' }: NockBoundaryOptions = {}): NockBoundary {
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string; href?: string }): void => {
    unmatched.push(`${req.method} ${req.href ?? req.path}`);
  };
  nock.disableNetConnect();
  nock.emitter.on('no match', onNoMatch);
  return {
    close(what) {
      nock.emitter.removeListener('no match', onNoMatch);
      nock.cleanAll();
      nock.enableNetConnect();
      if (onUnmatched === 'fail') expect(unmatched, what).toEqual([]);
    },
  };
}

/** Opens the boundary before each test of the calling file and closes it after each. */
export function useNockBoundary(options: NockBoundaryOptions = {}): void {
  let boundary: NockBoundary | null = null;
  beforeEach(() => {
    boundary = openNockBoundary(options);
  });
  afterEach(() => {
    boundary?.close();
    boundary = null;
  });
}
