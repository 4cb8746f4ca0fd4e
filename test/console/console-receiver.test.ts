import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { App, LogLevel, type Logger } from '@slack/bolt';
import { createConsoleReceiver, ConsoleReceiverNotReadyError, type ConsoleReceiver } from '../../src/console/console-receiver.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import {
  blockActionPayload,
  blockSuggestionPayload,
  slashCommandPayload,
  textValue,
  viewSubmissionPayload,
} from '../helpers/slack-payloads.js';

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

let standin: SlackApiStandin;
let receiver: ConsoleReceiver;
let app: App;

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  standin = await startSlackApiStandin();
  receiver = createConsoleReceiver();
  app = new App({
    token: 'xoxb-test',
    receiver,
    clientOptions: { slackApiUrl: standin.url },
    tokenVerificationEnabled: false,
    logger: silent,
  });
  await app.start();
});

afterEach(async () => {
  await app.stop();
  await standin.close();
  nock.enableNetConnect();
});

describe('console receiver', () => {
  it('hands a slash command to the app and returns the immediate reply it acked with', async () => {
    app.command('/deal', async ({ command, ack }) => ack(`You asked for ${command.text}`));
    const delivery = await receiver.deliver(slashCommandPayload({ command: '/deal', text: 'help' }));
    expect(delivery).toEqual({ acked: true, response: 'You asked for help' });
  });

  it('returns a view submission’s response_action so field errors can be shown', async () => {
    app.view('deal_create', async ({ ack, view }) => {
      if (!view.state.values.title?.title?.value) return ack({ response_action: 'errors', errors: { title: 'Required' } });
      return ack();
    });
    const empty = await receiver.deliver(
      viewSubmissionPayload({ view: { callback_id: 'deal_create' }, values: { title: { title: textValue(null) } } }),
    );
    expect(empty.response).toEqual({ response_action: 'errors', errors: { title: 'Required' } });

    const filled = await receiver.deliver(
      viewSubmissionPayload({ view: { callback_id: 'deal_create' }, values: { title: { title: textValue('Acme') } } }),
    );
    expect(filled).toEqual({ acked: true, response: undefined });
  });

  it('resolves only after the listener finished its Web API calls, and reports the ack as it happens', async () => {
    const order: string[] = [];
    app.action('won', async ({ ack, client, body }) => {
      await ack();
      order.push('after ack');
      if (body.type === 'block_actions' && body.channel && body.message) {
        await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: 'Won' });
      }
    });
    const delivery = await receiver.deliver(
      blockActionPayload({ action: { action_id: 'won', value: '42' }, message: { ts: '1700000000.000100', text: 'Open' } }),
      { onAck: () => order.push('ack') },
    );
    expect(delivery.acked).toBe(true);
    expect(order).toEqual(['ack', 'after ack']);
    expect(standin.calls.map((c) => c.method)).toContain('chat.update');
    expect(standin.calls.find((c) => c.method === 'chat.update')?.args).toMatchObject({ ts: '1700000000.000100', text: 'Won' });
  });

  it('returns options an external select asked for', async () => {
    app.options('org', async ({ ack, options }) =>
      ack({ options: [{ text: { type: 'plain_text', text: `${options.value} Corp` }, value: 'org-1' }] }),
    );
    const delivery = await receiver.deliver(
      blockSuggestionPayload({ actionId: 'org', blockId: 'org', value: 'Acme', view: { callback_id: 'x' } }),
    );
    expect(delivery.response).toEqual({ options: [{ text: { type: 'plain_text', text: 'Acme Corp' }, value: 'org-1' }] });
  });

  it('says so when no listener acknowledged, and when the app failed', async () => {
    expect(await receiver.deliver(slashCommandPayload({ command: '/nobody' }))).toEqual({ acked: false, response: undefined });

    app.action('boom', async ({ ack }) => {
      await ack();
      throw new Error('CRM down');
    });
    const failed = await receiver.deliver(blockActionPayload({ action: { action_id: 'boom' }, message: { ts: '1.000001' } }));
    expect(failed.acked).toBe(true);
    expect(failed.error).toBeInstanceOf(Error);
  });

  it('refuses a second ack, as Bolt’s receivers do', async () => {
    app.action('twice', async ({ ack }) => {
      await ack();
      await ack();
    });
    const delivery = await receiver.deliver(blockActionPayload({ action: { action_id: 'twice' }, message: { ts: '1.000001' } }));
    expect(delivery.error).toMatchObject({ code: 'slack_bolt_receiver_ack_multiple_error' });
  });

  it('refuses payloads before the app initialised it', async () => {
    await expect(createConsoleReceiver().deliver({})).rejects.toBeInstanceOf(ConsoleReceiverNotReadyError);
  });
});
