// How an adapter test awaits a call that must fail: the call has to reject, and with a
// `CrmError` (a plain Error or a zod error escaping the adapter fails the test here), which
// is returned for the test to look at its class, status, request and message.

import { expect } from 'vitest';
import { CrmError } from '../../src/errors.js';

/** Awaits `promise` and returns the `CrmError` it rejected with; fails the test if it resolved. */
export async function failure(promise: Promise<unknown>): Promise<CrmError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CrmError);
    return error as CrmError;
  }
  throw new Error('expected the call to fail');
}
