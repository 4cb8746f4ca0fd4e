// Claims for the Redis store: `SET key owner NX PX ttl` takes a claim atomically on the server,
// Redis expires it by itself, and release is a compare-and-delete script so a holder whose
// claim already expired cannot delete the next holder's claim.

import type { ClaimBackend } from './claim-backend.js';

/** The two commands claims need; `@redis/client`'s client satisfies it. */
export interface RedisClaimClient {
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export function createRedisClaims(client: RedisClaimClient, keyPrefix: string): ClaimBackend {
  return {
    async claim(key, ttlMs, owner) {
      const reply = await client.set(`${keyPrefix}${key}`, owner, {
        condition: 'NX',
        expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) },
      });
      return reply === 'OK';
    },
    async release(key, owner) {
      await client.eval(RELEASE_SCRIPT, { keys: [`${keyPrefix}${key}`], arguments: [owner] });
    },
  };
}
