// The digest runtime as it runs in the bot — the real builder over the embedded CRM, the
// real Web API client — against the Slack stand-in on loopback, which answers each method
// as Slack does, errors and Retry-After included. What is checked is what a channel would
// show: how many digest messages, and whether the chart came, under which message.

import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin, type StandinCall } from '../../src/console/slack-api-standin.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { createDigestRuntime } from '../../src/runtime/digest-runtime.js';
import { createScheduleStore } from '../../src/store/schedule-store.js';
import { createLogger } from '../../src/logger.js';
import { createStore } from '../../src/store/create-store.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import type { Store } from '../../src/store/store.js';
import { CONSOLE_NAMESPACE, workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { createClock, schedule } from './scheduler-harness.js';

const ZONE = 'Europe/Berlin';
const SET_AT = DateTime.fromISO('2026-03-09T08:00:00', { zone: ZONE });
const NINE = DateTime.fromISO('2026-03-09T09:00:00', { zone: ZONE });
const WORKSPACE = workspaceNamespace({ teamId: 'T0ACME' });
const logger = createLogger('silent');

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setUp() {
  const store = await createStore('memory://');
  cleanup.push(() => store.close());
  const crm = createLocalCrm({ store });
  await ensureSeeded(crm, store);
  return { store, crm };
}

async function standin(): Promise<SlackApiStandin> {
  const started = await startSlackApiStandin();
  cleanup.push(() => started.close());
  return started;
}

const digestMessages = (slack: SlackApiStandin, channel = 'C0CONSOLE'): StandinCall[] =>
  slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.result.ok === true);
const chartsTaken = (slack: SlackApiStandin): StandinCall[] =>
  slack.calls.filter((c) => c.method === 'files.completeUploadExternal' && c.result.ok === true);

describe('a scheduled digest against Slack', () => {
  it('whose chart upload is rate limited once reaches the channel once, with its chart under it after Retry-After', async () => {
    const { store, crm } = await setUp();
    const slack = await standin();
    const clock = createClock(SET_AT);
    const digests = createDigestRuntime({
      store,
      crm,
      logger,
      token: 'xoxb-t',
      slackApiUrl: slack.url,
      workspace: WORKSPACE,
      now: clock.now,
    });
    await digests.schedules.save(schedule(SET_AT, { channelId: 'C0CONSOLE' }));
    slack.failNext('files.getUploadURLExternal', 'ratelimited', { retryAfterSeconds: 30 });

    clock.set(NINE);
    expect((await digests.tick()).outcomes).toEqual([expect.objectContaining({ result: 'retry', code: 'ratelimited' })]);
    expect(digestMessages(slack)).toHaveLength(1);
    expect(chartsTaken(slack)).toHaveLength(0);

    // Before Retry-After is over nothing is tried; after it, only the chart is.
    clock.advance({ seconds: 29 });
    expect((await digests.tick()).due).toBe(0);
    clock.advance({ seconds: 2 });
    expect((await digests.tick()).outcomes).toEqual([expect.objectContaining({ result: 'posted' })]);

    const [message] = digestMessages(slack);
    expect(digestMessages(slack)).toHaveLength(1);
    expect(chartsTaken(slack)).toHaveLength(1);
    expect(chartsTaken(slack)[0]?.args).toMatchObject({ channel_id: 'C0CONSOLE', thread_ts: message?.result.ts });

    // The slot is done: later ticks post nothing more.
    clock.advance({ minutes: 5 });
    await digests.tick();
    expect(digestMessages(slack)).toHaveLength(1);
    expect(chartsTaken(slack)).toHaveLength(1);
  });

  it('whose message is refused posts nothing else, and posts message and chart once when Slack takes it', async () => {
    const { store, crm } = await setUp();
    const slack = await standin();
    const clock = createClock(SET_AT);
    const digests = createDigestRuntime({
      store,
      crm,
      logger,
      token: 'xoxb-t',
      slackApiUrl: slack.url,
      workspace: WORKSPACE,
      now: clock.now,
    });
    await digests.schedules.save(schedule(SET_AT, { channelId: 'C0CONSOLE' }));
    slack.failNext('chat.postMessage', 'ratelimited', { retryAfterSeconds: 10 });

    clock.set(NINE);
    expect((await digests.tick()).outcomes[0]?.result).toBe('retry');
    expect(slack.calls.filter((c) => c.method.startsWith('files.'))).toHaveLength(0);
    clock.advance({ seconds: 11 });
    await digests.tick();
    expect(digestMessages(slack)).toHaveLength(1);
    expect(chartsTaken(slack)).toHaveLength(1);
  });
});

describe('workspaces sharing one store', () => {
  it('a console and an HTTP bot never post each other’s digests', async () => {
    const { store, crm } = await setUp();
    const consoleSlack = await standin();
    const workspaceSlack = await standin();
    const clock = createClock(SET_AT);
    const common = { store, crm, logger, token: 'xoxb-t', now: clock.now };
    const consoleDigests = createDigestRuntime({ ...common, slackApiUrl: consoleSlack.url, workspace: CONSOLE_NAMESPACE });
    const botDigests = createDigestRuntime({ ...common, slackApiUrl: workspaceSlack.url, workspace: WORKSPACE, adoptLegacyState: true });
    cleanup.push(async () => {
      consoleDigests.stop();
      botDigests.stop();
    });
    // The same channel id in both (the console's default): only the namespace tells them apart.
    await consoleDigests.schedules.save(schedule(SET_AT, { channelId: 'C0CONSOLE', createdBy: 'U0CONSOLE' }));
    await botDigests.schedules.save(schedule(SET_AT, { channelId: 'C0CONSOLE', createdBy: 'U0BOT', time: '09:30' }));
    expect(await consoleDigests.schedules.list()).toEqual([expect.objectContaining({ createdBy: 'U0CONSOLE' })]);
    expect(await botDigests.schedules.list()).toEqual([expect.objectContaining({ createdBy: 'U0BOT' })]);

    clock.set(NINE.plus({ minutes: 31 }));
    // Each ticks twice, and both at once, as their timers would.
    await Promise.all([consoleDigests.start(), botDigests.start(), consoleDigests.tick(), botDigests.tick()]);

    expect(digestMessages(consoleSlack)).toHaveLength(1);
    expect(digestMessages(workspaceSlack)).toHaveLength(1);
    const runs = async (s: Store, ns: string) => (await createScheduleStore(scopeStore(s, ns)).list()).map((x) => x.createdBy);
    expect(await runs(store, CONSOLE_NAMESPACE)).toEqual(['U0CONSOLE']);
    expect(await runs(store, WORKSPACE)).toEqual(['U0BOT']);
    // The embedded CRM is one account: both read the same deals.
    expect(JSON.stringify(digestMessages(consoleSlack)[0]?.args.blocks)).toContain('Sales');
    expect(JSON.stringify(digestMessages(workspaceSlack)[0]?.args.blocks)).toContain('Sales');
  });

  it('a schedule stored before workspaces is adopted by the bot’s workspace once, never by the console', async () => {
    const { store, crm } = await setUp();
    const consoleSlack = await standin();
    const workspaceSlack = await standin();
    const clock = createClock(SET_AT);
    // As an older Dealbot wrote it: at the top of the store.
    const legacy = await createScheduleStore(store).save(schedule(SET_AT, { channelId: 'C0CONSOLE' }));
    await store.set(`digest:run:${legacy.id}`, { lastSlot: null, lastPostedAt: '2026-03-06T08:00:00.000Z', retry: null });

    const common = { store, crm, logger, token: 'xoxb-t', now: clock.now };
    const consoleDigests = createDigestRuntime({ ...common, slackApiUrl: consoleSlack.url, workspace: CONSOLE_NAMESPACE });
    const botDigests = createDigestRuntime({ ...common, slackApiUrl: workspaceSlack.url, workspace: WORKSPACE, adoptLegacyState: true });
    cleanup.push(async () => {
      consoleDigests.stop();
      botDigests.stop();
    });
    await consoleDigests.start();
    expect(await consoleDigests.schedules.list()).toEqual([]);
    await botDigests.start();
    expect(await botDigests.schedules.list()).toEqual([expect.objectContaining({ id: legacy.id, channelId: 'C0CONSOLE' })]);
    expect((await botDigests.schedules.runStates([legacy.id])).get(legacy.id)?.lastPostedAt).toBe('2026-03-06T08:00:00.000Z');
    expect(await createScheduleStore(store).list()).toEqual([]);

    clock.set(NINE.plus({ seconds: 5 }));
    await Promise.all([consoleDigests.tick(), botDigests.tick()]);
    expect(digestMessages(consoleSlack)).toHaveLength(0);
    expect(digestMessages(workspaceSlack)).toHaveLength(1);
  });
});
