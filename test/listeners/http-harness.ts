// The real app behind Bolt's HTTP receiver, as the end-to-end tests of shortcuts, live
// cards and the Home tab drive it: signed Slack requests in, Slack's Web API served by the
// recording stand-in (every call kept in order), the embedded CRM seeded with the demo
// pipeline at a fixed "now" (or any CRM a test hands in) and a memory store.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { boltLogger, createApp } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin, type StandinChannel, type StandinUser } from '../../src/console/slack-api-standin.js';
import type { Installation } from '../../src/listeners/installation-guard.js';
import type { AccessSettings } from '../../src/services/access-policy.js';
import { createLocalCrm, type LocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient } from '../../src/crm/port.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { formBody, payloadBody, postSigned } from '../helpers/slack-signing.js';

export const SIGNING_SECRET = 'e2e-signing-secret';
/** A Monday morning in Berlin: "this week" runs to Sunday the 22nd. */
export const NOW = DateTime.fromISO('2026-11-16T10:00:00', { zone: 'Europe/Berlin' });
/** The person at the keyboard: Ada, the demo CRM's user 1 (same email). */
export const ADA: StandinUser = { id: 'U0CONSOLE', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' };
export const BOB: StandinUser = { id: 'U0BOB', name: 'bob', realName: 'Bob Stranger', email: 'bob@elsewhere.test', tz: 'America/New_York' };
export const CHANNEL = { id: 'C0CONSOLE', name: 'sales' };

export interface Harness {
  standin: SlackApiStandin;
  store: Store;
  /** The seeded embedded CRM (also what the app uses unless `crm` was given). */
  local: LocalCrm;
  /** Bolt's events URL, for tests that sign their own requests (replays keep timestamp and signature). */
  url: string;
  /** Posts a signed interactivity payload (`payload=<json>`). */
  interact(payload: Record<string, unknown>): Promise<Response>;
  /** Posts a signed slash command (form-encoded, as Slack sends it). */
  command(payload: Record<string, unknown>): Promise<Response>;
  /** Posts a signed Events API callback (JSON). */
  event(event: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The CRM the app talks to, built on the harness' store and seeded local CRM. */
  crm?: (local: LocalCrm, store: Store) => CrmClient;
  users?: StandinUser[];
  channels?: StandinChannel[];
  /** Who may do what (ALLOW_GUESTS, UNLINKED_USERS, CLOSE_DEALS, DEALBOT_ADMINS); default the app's defaults. */
  access?: AccessSettings;
  /** The installation requests must belong to; default the stand-in's workspace and app. */
  installation?: Installation;
  /** The store the app (and its embedded CRM) keeps; default `memory://`. A SQLite file lets another process share it. */
  storeUrl?: string;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const standin = await startSlackApiStandin({
    users: [ADA, BOB, ...(options.users ?? [])],
    channels: [CHANNEL, ...(options.channels ?? [])],
  });
  const store = await createStore(options.storeUrl ?? 'memory://');
  const local = createLocalCrm({ store });
  await ensureSeeded(local, store, { now: NOW.toUTC() });
  const crm = options.crm ? options.crm(local, store) : local;
  const logger = createLogger('silent');
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver: createHttpReceiver({ signingSecret: SIGNING_SECRET, logger: boltLogger(logger) }),
    token: 'xoxb-e2e',
    slackApiUrl: standin.url,
    tokenVerification: false,
    now: () => NOW.toUTC(),
    installation: options.installation ?? {
      teamId: standin.bot.teamId,
      enterpriseId: null,
      isEnterpriseInstall: false,
      appId: standin.bot.appId,
    },
    ...(options.access ? { access: options.access } : {}),
  });
  const server = (await app.start(0)) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;

  return {
    standin,
    store,
    local,
    url,
    interact: (payload) => postSigned({ url, secret: SIGNING_SECRET, body: payloadBody(payload) }),
    command: (payload) =>
      postSigned({
        url,
        secret: SIGNING_SECRET,
        body: formBody(Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, String(v)]))),
      }),
    event: (event) =>
      postSigned({
        url,
        secret: SIGNING_SECRET,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: 'console-verification-token',
          team_id: standin.bot.teamId,
          api_app_id: standin.bot.appId,
          event,
          type: 'event_callback',
          event_id: `Ev${Date.now()}`,
          event_time: Math.floor(Date.now() / 1000),
          authorizations: [{ team_id: standin.bot.teamId, user_id: standin.bot.userId, is_bot: true, is_enterprise_install: false }],
        }),
      }),
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await standin.close();
      await store.close();
    },
  };
}

/** Text of every block of a message or view, for "does the person see X" assertions. */
export function shown(value: unknown): string {
  return JSON.stringify(value);
}

type Block = {
  type: string;
  block_id?: string;
  element?: Record<string, unknown>;
  accessory?: Record<string, unknown>;
  elements?: Array<Record<string, unknown>>;
};

/** The blocks of a call's `view` or message. */
export function blocksOf(value: unknown): Block[] {
  const v = value as { blocks?: Block[]; view?: { blocks?: Block[] } };
  return v.view?.blocks ?? v.blocks ?? [];
}

/** The value of the first button with `actionId` in `blocks` (accessories and actions). */
export function buttonValue(blocks: Block[], actionId: string): string | undefined {
  for (const block of blocks) {
    const candidates = [block.accessory, ...(block.elements ?? [])];
    const hit = candidates.find((e) => e && e.action_id === actionId);
    if (hit) return hit.value as string;
  }
  return undefined;
}
