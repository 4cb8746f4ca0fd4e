// Connects to the Redis the multi-process digest tests need, or fails at once with a sentence
// saying so, instead of a client that retries until the test times out.

import { createClient } from '@keyv/redis';

export const REDIS_URL = 'redis://127.0.0.1:6379';
const CONNECT_TIMEOUT_MS = 3_000;

const connect = () => createClient({ url: REDIS_URL, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } });

export type RedisAdmin = ReturnType<typeof connect>;

export async function requireRedis(): Promise<RedisAdmin> {
  const client = connect();
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw new Error(
      `Redis is not running on 127.0.0.1:6379 (these tests need a real one: start it with \`redis-server\` or \`docker run -p 6379:6379 redis\`)`,
      { cause: error },
    );
  }
}
