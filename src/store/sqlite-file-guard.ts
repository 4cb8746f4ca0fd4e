// Notices that the SQLite file under a running store was deleted or replaced. SQLite keeps
// writing to the file it opened even after it was unlinked, so without this the bot carries
// on confirming writes that vanish at the next restart (which then starts on a fresh, empty
// file). The file's device and inode are taken at open and compared before every write and
// every readiness probe; once the file is gone the guard stays tripped, since a file that
// reappears under the same name is another store.

import { stat } from 'node:fs/promises';
import { StoreError } from '../errors.js';

export interface SqliteFileGuard {
  /** Throws `StoreError` saying why when the file is no longer the one that was opened. */
  check(): Promise<void>;
}

interface FileIdentity {
  dev: number;
  ino: number;
}

export async function guardSqliteFile(file: string): Promise<SqliteFileGuard> {
  const opened = await identify(file);
  if (!opened) throw new StoreError(`The SQLite file ${file} is missing right after it was opened`);
  let tripped: StoreError | undefined;
  return {
    async check() {
      if (tripped) throw tripped;
      const current = await identify(file);
      if (current && current.dev === opened.dev && current.ino === opened.ino) return;
      tripped = new StoreError(
        `The SQLite file ${file} was ${current ? 'replaced' : 'deleted'} while Dealbot was running; nothing more is written, ` +
          'so nothing is confirmed that would be lost. Restore the file (or accept the loss) and restart Dealbot',
      );
      throw tripped;
    },
  };
}

async function identify(file: string): Promise<FileIdentity | null> {
  try {
    const { dev, ino } = await stat(file);
    return { dev, ino };
  } catch {
    return null;
  }
}
