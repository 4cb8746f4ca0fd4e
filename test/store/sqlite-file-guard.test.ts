// The guard that refuses writes once the SQLite file under the store is gone: checks asked
// for together share one look at the file, and none takes the answer of a look begun before
// it was asked for. The store-level behaviour (writes refused, `/readyz` saying why) is in
// create-store.test.ts.

import { mkdtemp, rename, rm, stat as statFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { guardSqliteFile } from '../../src/store/sqlite-file-guard.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dealbot-guard-'));
  file = path.join(dir, 'dealbot.sqlite');
  await writeFile(file, '');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The real `stat`, counted; with `hold` set, each look reads the file and then waits for `release()` to answer. */
function countedStat() {
  const looks: Array<() => void> = [];
  const spy = {
    calls: 0,
    hold: false,
    stat: async (f: string) => {
      spy.calls += 1;
      const read = await statFile(f);
      if (spy.hold) await new Promise<void>((resolve) => looks.push(resolve));
      return read;
    },
    /** Lets the oldest held look answer. */
    release: () => looks.shift()?.(),
    get held() {
      return looks.length;
    },
  };
  return spy;
}

/** Until `spy` holds `n` looks (a real `stat` takes a turn of the thread pool). */
async function lookHeld(spy: { held: number }, n = 1): Promise<void> {
  for (let i = 0; i < 200 && spy.held < n; i += 1) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(spy.held).toBe(n);
}

describe('guardSqliteFile', () => {
  it('answers 200 checks asked at once with two looks at the file', async () => {
    const spy = countedStat();
    const guard = await guardSqliteFile(file, { stat: spy.stat });
    spy.calls = 0;
    await Promise.all(Array.from({ length: 200 }, () => guard.check()));
    expect(spy.calls).toBe(2);
    // Asked one after another, each check looks again.
    await guard.check();
    await guard.check();
    expect(spy.calls).toBe(4);
  });

  it('does not pass a write on a look begun before the write asked: the file deleted in between is caught', async () => {
    const spy = countedStat();
    const guard = await guardSqliteFile(file, { stat: spy.stat });
    spy.calls = 0;
    spy.hold = true;
    const first = guard.check();
    // The first look has read the file, still there; then the file goes and two writes ask.
    await lookHeld(spy);
    await unlink(file);
    const second = guard.check();
    const third = guard.check();
    spy.release();
    // The first write asked before the deletion, and passes.
    await expect(first).resolves.toBeUndefined();
    // The others share the next look, which finds the file gone (a missing file answers at once).
    await expect(second).rejects.toThrow(/was deleted while Dealbot was running/);
    await expect(third).rejects.toBeInstanceOf(StoreError);
    expect(spy.calls).toBe(2);
  });

  it('does the same when the file is replaced by another during a look', async () => {
    const spy = countedStat();
    const guard = await guardSqliteFile(file, { stat: spy.stat });
    spy.hold = true;
    const first = guard.check();
    await lookHeld(spy);
    // As a restore would: another file moved over this one's name (a new inode).
    await writeFile(`${file}.other`, 'another store');
    await rename(`${file}.other`, file);
    const late = guard.check();
    spy.release();
    await expect(first).resolves.toBeUndefined();
    await lookHeld(spy);
    spy.release();
    await expect(late).rejects.toThrow(/was replaced/);
  });

  it('stays tripped without looking again once the file is gone', async () => {
    const spy = countedStat();
    const guard = await guardSqliteFile(file, { stat: spy.stat });
    await unlink(file);
    await expect(guard.check()).rejects.toThrow(/was deleted/);
    const looks = spy.calls;
    // A file that reappears under the same name is another store.
    await writeFile(file, '');
    await expect(guard.check()).rejects.toThrow(/was deleted/);
    expect(spy.calls).toBe(looks);
  });

  it('refuses to guard a file that is not there', async () => {
    await expect(guardSqliteFile(path.join(dir, 'missing.sqlite'))).rejects.toThrow(/missing right after it was opened/);
  });
});
