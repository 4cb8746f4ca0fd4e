// Claims for the SQLite store: a table in the same database file as the keyv data, so every
// process that opens the file sees the same claims. One upsert statement decides who wins:
// SQLite serializes writers on the file, and the `WHERE` on the conflict branch only replaces
// an expired claim (or renews the caller's own). `RETURNING` tells this caller whether its row went in.

import type { ClaimBackend } from './claim-backend.js';

/** Runs one statement and resolves to its rows (the shape of `@keyv/sqlite`'s `query`). */
export type SqliteQuery = (sql: string, ...parameters: unknown[]) => Promise<Array<Record<string, unknown>>>;

const TABLE = 'dealbot_claims';
/** Expired rows of one-off keys (idempotency keys) would pile up; sweep them now and then. */
const SWEEP_EVERY_CLAIMS = 200;

export async function createSqliteClaims(
  query: SqliteQuery,
  keyPrefix: string,
  clock: () => number = () => Date.now(),
): Promise<ClaimBackend> {
  await query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
  let claimsSinceSweep = 0;

  return {
    async claim(key, ttlMs, owner) {
      const now = clock();
      const rows = await query(
        `INSERT INTO ${TABLE} (key, owner, expires_at) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE ${TABLE}.expires_at <= ? OR ${TABLE}.owner = excluded.owner
         RETURNING key`,
        `${keyPrefix}${key}`,
        owner,
        now + ttlMs,
        now,
      );
      claimsSinceSweep += 1;
      if (claimsSinceSweep >= SWEEP_EVERY_CLAIMS) {
        claimsSinceSweep = 0;
        await query(`DELETE FROM ${TABLE} WHERE expires_at <= ?`, now);
      }
      return rows.length === 1;
    },
    async release(key, owner) {
      await query(`DELETE FROM ${TABLE} WHERE key = ? AND owner = ?`, `${keyPrefix}${key}`, owner);
    },
  };
}
