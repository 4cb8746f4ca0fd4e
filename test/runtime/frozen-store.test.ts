// A store that stops answering mid-run (a frozen Redis, as seen from the app): a slash command
// is still acknowledged inside Slack's 3 s and the person is told to try again, instead of the
// request hanging on the store forever. The real app behind Bolt's HTTP receiver, the Slack
// stand-in, and the embedded CRM living in that same store.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Keyv from 'keyv';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { boltLogger, createApp } from '../../src/app.js';
import { slashCommandPayload } from '../../src/console/slack-payloads.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createKeyvStore } from '../../src/store/keyv-store.js';
import { createMemoryClaims } from '../../src/store/memory-claims.js';
import { formBody, postSigned } from '../helpers/slack-signing.js';

const SECRET = 'frozen-store-secret';
const NOW = DateTime.fromISO('2026-11-16T09:00:00Z');

/** A memory store that can be frozen: from then on no operation ever answers. */
function freezableStore(deadlineMs: number) {
  let frozen = false;
  const real = new Keyv({ namespace: 'frozen-test', throwOnErrors: true });
  const claims = createMemoryClaims();
  const hang = () => new Promise<never>(() => undefined);
  const keyv = {
    get: (key: string) => (frozen ? hang() : real.get(key)),
    getMany: (keys: string[]) => (frozen ? hang() : real.getMany(keys)),
    set: (key: string, value: unknown, ttl?: number) => (frozen ? hang() : real.set(key, value, ttl)),
    delete: (key: string) => (frozen ? hang() : real.delete(key)),
  } as unknown as Keyv;
  const store = createKeyvStore({
    kind: 'redis',
    keyv,
    claims: {
      claim: (key, ttlMs, owner) => (frozen ? hang() : claims.claim(key, ttlMs, owner)),
      release: (key, owner) => (frozen ? hang() : claims.release(key, owner)),
    },
    close: async () => undefined,
    deadlineMs,
  });
  return {
    store,
    freeze() {
      frozen = true;
    },
  };
}

let standin: SlackApiStandin | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await standin?.close();
  server = undefined;
  standin = undefined;
});

describe('a store that freezes while the app runs', () => {
  it('still acks a command within Slack’s 3 s and tells the person to try again', async () => {
    standin = await startSlackApiStandin();
    const { store, freeze } = freezableStore(300);
    const crm = createLocalCrm({ store });
    await ensureSeeded(crm, store, { now: NOW });
    const logger = createLogger('silent');
    const app = createApp({
      store,
      logger,
      crmForTeam: () => crm,
      receiver: createHttpReceiver({ signingSecret: SECRET, logger: boltLogger(logger) }),
      token: 'xoxb-frozen',
      slackApiUrl: standin.url,
      tokenVerification: false,
      now: () => NOW,
    });
    server = (await app.start(0)) as Server;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;

    freeze();
    const responseUrl = standin.responseUrl();
    const sent = performance.now();
    const ack = await postSigned({
      url,
      secret: SECRET,
      body: formBody(slashCommandPayload({ command: '/deal', text: '1', responseUrl })),
    });
    const ackMs = performance.now() - sent;

    expect(ack.status).toBe(200);
    expect(ackMs).toBeLessThan(3_000);
    const reply = await standin.waitFor((call) => call.method === 'response_url', 5_000);
    expect(JSON.stringify(reply.args)).toMatch(/[Tt]ry again/);
  });
});
