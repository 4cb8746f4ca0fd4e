// Submitting the digest settings modal through the real HTTP receiver, when something fails
// after the modal closed. The new settings are checked before anything changes, applied in
// one swap, and whatever goes wrong reaches the person by direct message with what is in
// place now: a subscription never vanishes silently.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boltLogger, createApp } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import type { CrmClient, Pipeline } from '../../src/crm/port.js';
import { digestSettingsModal } from '../../src/ui/digest-settings-modal.js';
import { createDigestRuntime } from '../../src/runtime/digest-runtime.js';
import { createDigestSchedule, digestScheduleId, type DigestSchedule } from '../../src/domain/digest-schedule.js';
import type { Scheduler } from '../../src/runtime/scheduler.js';
import { CrmUnavailableError, StoreError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { ActionId, CallbackId } from '../../src/ui/ids.js';
import { viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { payloadBody, postSigned } from '../helpers/slack-signing.js';

const SECRET = 'settings-secret';
const PERSON = 'U0CONSOLE';
let standin: SlackApiStandin;
let store: Store;
let server: Server;
let digests: Scheduler;
let events: string;
let pipelines: Pipeline[];
/** Switches the CRM and the store into failing, as an outage would. */
const failing = { crm: false, storeWrites: false };

beforeEach(async () => {
  failing.crm = false;
  failing.storeWrites = false;
  standin = await startSlackApiStandin({ channels: [{ id: 'G0SECRET', name: 'secret-deals', isPrivate: true, botIsMember: false }] });
  store = await createStore('memory://');
  const logger = createLogger(process.env.DEBUG_TEST ? 'debug' : 'silent');
  const local = createLocalCrm({ store });
  await ensureSeeded(local, store);
  pipelines = await local.listPipelines();
  const crm: CrmClient = {
    ...local,
    listPipelines: () => (failing.crm ? Promise.reject(new CrmUnavailableError('timeout', { crm: 'Pipedrive' })) : local.listPipelines()),
  };
  const flaky: Store = {
    ...store,
    set: (key, value, ttlMs) =>
      failing.storeWrites ? Promise.reject(new StoreError(`The memory store failed to set ${key}`)) : store.set(key, value, ttlMs),
  };
  digests = createDigestRuntime({ store: flaky, crm, logger, token: 'xoxb-s', slackApiUrl: standin.url, workspace: 'slack:T0CONSOLE' });
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver: createHttpReceiver({ signingSecret: SECRET, logger: boltLogger(logger) }),
    token: 'xoxb-s',
    slackApiUrl: standin.url,
    tokenVerification: false,
    digests,
  });
  server = (await app.start(0)) as Server;
  events = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;
});

afterEach(async () => {
  digests.stop();
  await new Promise((resolve) => server.close(resolve));
  await standin.close();
  await store.close();
});

const NOW = DateTime.utc();
function existing(channelId: string, pipelineId: string | null = null): DigestSchedule {
  const schedule = createDigestSchedule(
    { channelId, pipelineId, frequency: { kind: 'daily' }, time: '08:00', zone: 'Europe/Berlin', createdBy: 'U0OTHER' },
    NOW,
  );
  return { ...schedule, id: digestScheduleId(channelId, pipelineId) };
}

const select = (value: string) => ({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } });

/** Submits the modal as opened for `channelId` editing `current`, with the choices given. */
async function submit(channelId: string, current: DigestSchedule | null, choice: { frequency: string; pipelineId?: string }) {
  const modal = digestSettingsModal({ channelId, pipelines, current, defaultZone: 'Europe/Berlin' });
  const values = {
    [ActionId.digestFrequency]: { [ActionId.digestFrequency]: select(choice.frequency) },
    [ActionId.digestTime]: { [ActionId.digestTime]: { type: 'plain_text_input', value: '16:30' } },
    [ActionId.digestZone]: { [ActionId.digestZone]: select('Europe/Berlin') },
    ...(choice.pipelineId ? { [ActionId.digestPipeline]: { [ActionId.digestPipeline]: select(choice.pipelineId) } } : {}),
    [ActionId.digestSections]: {
      [ActionId.digestSections]: {
        type: 'multi_static_select',
        selected_options: [{ text: { type: 'plain_text', text: 'Board' }, value: 'board' }],
      },
    },
    [ActionId.digestStaleDays]: { [ActionId.digestStaleDays]: { type: 'plain_text_input', value: '14' } },
  };
  const response = await postSigned({
    url: events,
    secret: SECRET,
    body: payloadBody(
      viewSubmissionPayload({
        view: { id: 'V0SETTINGS', callback_id: CallbackId.digestSettingsModal, private_metadata: modal.private_metadata ?? '' },
        values,
      }),
    ),
  });
  expect(response.status).toBe(200);
  // An empty body is a plain ack: the form was accepted and the modal closed.
  expect(await response.text()).toBe('');
}

const directMessage = () => standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === PERSON, 10_000);
const plain = (text: unknown) => String(text).replaceAll('\u200b', '');

describe('digest settings, once the modal closed', () => {
  it('moves a digest to another pipeline in one swap: the old schedule is gone, the new one runs', async () => {
    const before = await digests.schedules.save(existing('C0CONSOLE'));
    const other = pipelines.find((p) => !p.isDefault) ?? pipelines[1];
    if (!other) throw new Error('the seed has two pipelines');
    await submit('C0CONSOLE', before, { frequency: 'weekdays', pipelineId: other.id });
    await standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0CONSOLE');
    expect(await digests.schedules.list()).toEqual([
      expect.objectContaining({
        id: digestScheduleId('C0CONSOLE', other.id),
        pipelineId: other.id,
        time: '16:30',
        frequency: { kind: 'weekdays' },
      }),
    ]);
  });

  it('keeps the old schedule and tells the person by DM when the CRM does not answer', async () => {
    const before = await digests.schedules.save(existing('C0CONSOLE'));
    failing.crm = true;
    await submit('C0CONSOLE', before, { frequency: 'weekdays' });
    const dm = await directMessage();
    expect(plain(dm.args.text)).toContain('were not saved: Pipedrive is not answering right now');
    expect(plain(dm.args.text)).toContain('still runs every day at 08:00');
    expect(plain(dm.args.text)).toContain('/pipeline digest settings');
    expect(await digests.schedules.list()).toEqual([expect.objectContaining({ id: before.id, time: '08:00' })]);
  });

  it('keeps the old schedule and tells the person by DM when the store refuses the write', async () => {
    const before = await digests.schedules.save(existing('C0CONSOLE'));
    failing.storeWrites = true;
    await submit('C0CONSOLE', before, { frequency: 'weekdays' });
    const dm = await directMessage();
    expect(plain(dm.args.text)).toContain('could not store them');
    failing.storeWrites = false;
    expect(await digests.schedules.list()).toEqual([expect.objectContaining({ id: before.id, time: '08:00' })]);
  });

  it('keeps the old schedule of a private channel the bot was removed from, and asks the person to invite it', async () => {
    const before = await digests.schedules.save(existing('G0SECRET'));
    await submit('G0SECRET', before, { frequency: 'weekdays' });
    const dm = await directMessage();
    expect(plain(dm.args.text)).toContain('/invite @Dealbot');
    expect(await digests.schedules.list()).toEqual([expect.objectContaining({ id: before.id, time: '08:00' })]);
  });

  it('tells the person by DM when the settings were saved but the channel could not be told', async () => {
    standin.failNext('chat.postMessage', 'restricted_action');
    await submit('C0CONSOLE', null, { frequency: 'weekdays' });
    const dm = await directMessage();
    expect(plain(dm.args.text)).toContain('are saved, but I could not tell the channel: Slack answered “restricted_action”');
    expect(await digests.schedules.list()).toEqual([expect.objectContaining({ channelId: 'C0CONSOLE', time: '16:30' })]);
  });
});
