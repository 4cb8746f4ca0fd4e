// `/pipeline digest …` through the real HTTP receiver: a channel subscribes and is told
// who set what, a digest is posted on demand with its chart uploaded beside it, and a
// private channel the bot is not in gets "invite me" instead of a silent failure.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boltLogger, createApp } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { ensureSeeded } from '../../src/crm/local/seed.js';
import { createDigestRuntime } from '../../src/runtime/digest-runtime.js';
import type { Scheduler } from '../../src/runtime/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { slashCommandPayload, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { ActionId, CallbackId } from '../../src/ui/ids.js';
import { formBody, payloadBody, postSigned } from '../helpers/slack-signing.js';

const SECRET = 'digest-secret';
let standin: SlackApiStandin;
let store: Store;
let server: Server;
let digests: Scheduler;
let events: string;

beforeEach(async () => {
  standin = await startSlackApiStandin({ channels: [{ id: 'G0SECRET', name: 'secret-deals', isPrivate: true, botIsMember: false }] });
  store = await createStore('memory://');
  const logger = createLogger('silent');
  const crm = createLocalCrm({ store });
  await ensureSeeded(crm, store);
  digests = createDigestRuntime({ store, crm, logger, token: 'xoxb-digest', slackApiUrl: standin.url, workspace: 'slack:T0CONSOLE' });
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver: createHttpReceiver({ signingSecret: SECRET, logger: boltLogger(logger) }),
    token: 'xoxb-digest',
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

const pipelineCommand = (text: string, channel = { id: 'C0CONSOLE', name: 'sales' }) =>
  postSigned({
    url: events,
    secret: SECRET,
    body: formBody(slashCommandPayload({ command: '/pipeline', text, channel, responseUrl: standin.responseUrl() })),
  });

describe('/pipeline digest', () => {
  it('subscribes the channel, tells it who set what, and lists the schedule', async () => {
    expect((await pipelineCommand('digest weekly mon 09:00 America/New_York Sales')).status).toBe(200);
    const told = await standin.waitFor((c) => c.method === 'response_url' && c.args.response_type === 'in_channel');
    // As a person reads it: the zero-width spaces that keep `_` literal are invisible.
    const text = String(told.args.text).replaceAll('\u200b', '');
    expect(text).toMatch(/<@U0CONSOLE> set a pipeline digest of \*Sales\*/);
    expect(text).toContain('every Monday at 09:00');
    expect(text).toContain('America/New_York');

    const [saved] = await digests.schedules.listByChannel('C0CONSOLE');
    expect(saved).toMatchObject({
      time: '09:00',
      zone: 'America/New_York',
      frequency: { kind: 'weekly', day: 'mon' },
      createdBy: 'U0CONSOLE',
    });

    const from = standin.calls.length;
    await pipelineCommand('digest list');
    const list = await standin.waitFor((c, i) => i >= from && c.method === 'response_url');
    expect(String(list.args.text)).toMatch(/Pipeline digests in this channel: 1/);
  });

  it('posts a digest now, with the stage chart uploaded as a PNG', async () => {
    await pipelineCommand('digest now');
    const posted = await standin.waitForCall('chat.postMessage', 10_000);
    expect(posted.args.channel).toBe('C0CONSOLE');
    expect(String(posted.args.text)).toContain('Sales');
    const upload = await standin.waitForCall('file_upload', 10_000);
    expect(upload.args.filename).toMatch(/\.png$/);
    expect(Number(upload.args.bytes)).toBeGreaterThan(1000);
    await standin.waitForCall('files.completeUploadExternal', 10_000);
  });

  it('asks to be invited to a private channel instead of failing silently', async () => {
    await pipelineCommand('digest daily 08:00 Europe/Berlin', { id: 'G0SECRET', name: 'secret-deals' });
    const reply = await standin.waitFor((c) => c.method === 'response_url');
    expect(reply.args.response_type).toBe('ephemeral');
    expect(String(reply.args.text)).toContain('/invite @Dealbot');
    expect(await digests.schedules.listByChannel('G0SECRET')).toEqual([]);
  });

  it('opens the settings modal at once, then saves what was chosen and tells the channel', async () => {
    await pipelineCommand('digest');
    const opened = await standin.waitForCall('views.open');
    const filled = await standin.waitFor(
      (c) => c.method === 'views.update' && JSON.stringify(c.args.view).includes(CallbackId.digestSettingsModal),
    );
    // Nothing was read for the modal before it opened: the only earlier Web API calls are the
    // access check's (who the person is, whether the channel is shared outside); the person's
    // zone comes from that same users.info answer.
    const openedAt = standin.calls.findIndex((c) => c.method === 'views.open');
    expect(standin.calls.slice(0, openedAt).every((c) => ['auth.test', 'users.info', 'conversations.info'].includes(c.method))).toBe(true);
    expect(standin.calls.filter((c) => c.method === 'users.info')).toHaveLength(1);
    const view = filled.args.view as { private_metadata: string };
    const select = (value: string) => ({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } });
    const values = {
      [ActionId.digestFrequency]: { [ActionId.digestFrequency]: select('weekly:fri') },
      [ActionId.digestTime]: { [ActionId.digestTime]: { type: 'plain_text_input', value: '16:30' } },
      [ActionId.digestZone]: { [ActionId.digestZone]: select('Australia/Sydney') },
      [ActionId.digestSections]: {
        [ActionId.digestSections]: {
          type: 'multi_static_select',
          selected_options: [{ text: { type: 'plain_text', text: 'Board' }, value: 'board' }],
        },
      },
      [ActionId.digestStaleDays]: { [ActionId.digestStaleDays]: { type: 'plain_text_input', value: '21' } },
    };
    const submitted = await postSigned({
      url: events,
      secret: SECRET,
      body: payloadBody(
        viewSubmissionPayload({
          view: {
            id: String((opened.result.view as { id: string }).id),
            callback_id: CallbackId.digestSettingsModal,
            private_metadata: view.private_metadata,
          },
          values,
        }),
      ),
    });
    expect(submitted.status).toBe(200);
    const told = await standin.waitFor((c) => c.method === 'chat.postMessage' && String(c.args.text).includes('set a pipeline digest'));
    expect(told.args.channel).toBe('C0CONSOLE');
    const [saved] = await digests.schedules.listByChannel('C0CONSOLE');
    expect(saved).toMatchObject({
      frequency: { kind: 'weekly', day: 'fri' },
      time: '16:30',
      zone: 'Australia/Sydney',
      sections: ['board'],
      staleDays: 21,
    });
  });

  it('answers a mistake in the settings next to the field', async () => {
    const res = await postSigned({
      url: events,
      secret: SECRET,
      body: payloadBody(
        viewSubmissionPayload({
          view: {
            id: 'VDIGEST',
            callback_id: CallbackId.digestSettingsModal,
            private_metadata: JSON.stringify({ channelId: 'C0CONSOLE', scheduleId: null }),
          },
          values: {
            [ActionId.digestFrequency]: {
              [ActionId.digestFrequency]: {
                type: 'static_select',
                selected_option: { text: { type: 'plain_text', text: 'Daily' }, value: 'daily' },
              },
            },
            [ActionId.digestTime]: { [ActionId.digestTime]: { type: 'plain_text_input', value: '9 o clock' } },
          },
        }),
      ),
    });
    const ack = (await res.json()) as { response_action: string; errors: Record<string, string> };
    expect(ack.response_action).toBe('errors');
    expect(ack.errors[ActionId.digestTime]).toMatch(/HH:MM/);
  });

  it('answers a bad time with what to type', async () => {
    await pipelineCommand('digest daily 25:00');
    const reply = await standin.waitFor((c) => c.method === 'response_url');
    expect(String(reply.args.text)).toMatch(/\/pipeline digest daily 09:00/);
  });
});
