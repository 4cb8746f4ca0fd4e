// Claims for the Redis store: a script takes a free key (or renews the caller's own) atomically on the server,
// Redis expires it by itself, and release is a compare-and-delete script so a holder whose
// claim already expired cannot delete the next holder's claim.

import type { ClaimBackend } from './claim-backend.js';

/** The one command claims need; `@redis/client`'s client satisfies it. */
export interface RedisClaimClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

// Takes a free key, or renews the caller's own claim; one script, so it is atomic on the server.
const CLAIM_SCRIPT = `local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export function createRedisClaims(client: RedisClaimClient, keyPrefix: string): ClaimBackend {
  return {
    async claim(key, ttlMs, owner) {
      const reply = await client.eval(CLAIM_SCRIPT, {
        keys: [`${keyPrefix}${key}`],
        arguments: [owner, String(Math.max(1, Math.round(ttlMs)))],
      });
      return Number(reply) === 1;
    },
    async release(key, owner) {
      await client.eval(RELEASE_SCRIPT, { keys: [`${keyPrefix}${key}`], arguments: [owner] });
    },
  };
}
