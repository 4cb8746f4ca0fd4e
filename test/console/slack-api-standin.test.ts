import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { WebClient, ErrorCode } from '@slack/web-api';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';

let standin: SlackApiStandin;
let client: WebClient;

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  standin = await startSlackApiStandin({
    users: [{ id: 'U0BOB', name: 'bob', realName: 'Bob Builder', email: 'bob@example.com', tz: 'America/New_York' }],
    channels: [{ id: 'C0DIGEST', name: 'pipeline' }],
  });
  client = new WebClient('xoxb-test', { slackApiUrl: standin.url, retryConfig: { retries: 0 } });
});

afterEach(async () => {
  await standin.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('the stand-in refuses what Slack refuses', () => {
  const section = (i: number) => ({ type: 'section', text: { type: 'mrkdwn', text: `line ${i}` } });
  const refusal = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (error) {
      return (error as { data?: { error?: string; response_metadata?: { messages?: string[] } } }).data;
    }
    throw new Error('Slack would have refused this call');
  };

  it('answers not_found for a view it never opened, and hash_conflict for a stale hash', async () => {
    expect(
      (
        await refusal(
          client.views.update({ view_id: 'VNEVER', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } }),
        )
      )?.error,
    ).toBe('not_found');
    const opened = await client.views.open({
      trigger_id: '1.2.3',
      view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
    });
    const id = opened.view?.id ?? '';
    const stale = refusal(
      client.views.update({ view_id: id, hash: 'stale', view: { type: 'modal', title: { type: 'plain_text', text: 'y' }, blocks: [] } }),
    );
    expect((await stale)?.error).toBe('hash_conflict');
    const updated = await client.views.update({
      view_id: id,
      hash: opened.view?.hash,
      view: { type: 'modal', title: { type: 'plain_text', text: 'y' }, blocks: [] },
    });
    expect(updated.ok).toBe(true);
  });

  it('answers message_not_found when chat.update names a message that is not there', async () => {
    expect((await refusal(client.chat.update({ channel: 'C0DIGEST', ts: '1700000000.000001', text: 'x' })))?.error).toBe(
      'message_not_found',
    );
    const posted = await client.chat.postMessage({ channel: 'C0DIGEST', text: 'first' });
    expect((await client.chat.update({ channel: 'C0DIGEST', ts: posted.ts ?? '', text: 'second' })).ok).toBe(true);
  });

  it('refuses a message over 50 blocks, a modal over 100 and a header over 150 characters with invalid_blocks, saying where', async () => {
    const tooMany = Array.from({ length: 51 }, (_, i) => section(i));
    const message = await refusal(client.chat.postMessage({ channel: 'C0DIGEST', text: 'x', blocks: tooMany }));
    expect(message?.error).toBe('invalid_blocks');
    expect(message?.response_metadata?.messages?.join(' ')).toMatch(/51/);
    const modal = await refusal(
      client.views.open({
        trigger_id: '1.2.3',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: Array.from({ length: 101 }, (_, i) => section(i)) },
      }),
    );
    expect(modal?.error).toBe('invalid_blocks');
    const header = await refusal(
      client.chat.postMessage({
        channel: 'C0DIGEST',
        text: 'x',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      }),
    );
    expect(header?.error).toBe('invalid_blocks');
    expect(standin.calls.filter((c) => c.result.ok === true)).toHaveLength(0);
  });

  it('refuses a response_url post over the limits, and counts it as unused', async () => {
    const url = standin.responseUrl({ channel: 'C0DIGEST' });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x', blocks: Array.from({ length: 51 }, (_, i) => section(i)) }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('invalid_blocks');
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'fine' }),
    });
    expect(ok.status).toBe(200);
  });
});

describe('Slack Web API stand-in', () => {
  it('posts a message the way Slack answers, and records the blocks web-api sent form-encoded', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Acme*' } }];
    const posted = await client.chat.postMessage({ channel: 'C0DIGEST', text: 'Acme', blocks });

    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0DIGEST');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({ text: 'Acme', blocks, bot_id: standin.bot.botId });
    expect(standin.calls).toHaveLength(1);
    expect(standin.calls[0]).toMatchObject({ method: 'chat.postMessage', args: { channel: 'C0DIGEST', text: 'Acme', blocks } });
    expect(standin.calls[0]?.args).not.toHaveProperty('token');
  });

  it('accepts JSON bodies too', async () => {
    const res = await fetch(`${standin.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0CONSOLE', text: 'hi', metadata: { event_type: 'x', event_payload: {} } }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0CONSOLE' });
    expect(standin.calls[0]?.args.metadata).toEqual({ event_type: 'x', event_payload: {} });
  });

  it('keeps text that merely looks like JSON as text', async () => {
    await client.chat.postMessage({ channel: 'C0CONSOLE', text: '[1] {not json}' });
    expect(standin.calls[0]?.args.text).toBe('[1] {not json}');
  });

  it('answers unknown methods and missing tokens as Slack does', async () => {
    await expect(client.apiCall('deals.frobnicate', {})).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'unknown_method' },
    });
    const anonymous = await fetch(`${standin.url}auth.test`, { method: 'POST' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('hands Socket Mode its WebSocket URL for the app-level token only', async () => {
    const socketStandin = await startSlackApiStandin({ socketModeUrl: 'ws://127.0.0.1:9/link' });
    try {
      const app = new WebClient('xapp-1-test', { slackApiUrl: socketStandin.url, retryConfig: { retries: 0 } });
      expect(await app.apps.connections.open({})).toMatchObject({ ok: true, url: 'ws://127.0.0.1:9/link' });
      const bot = new WebClient('xoxb-test', { slackApiUrl: socketStandin.url, retryConfig: { retries: 0 } });
      await expect(bot.apps.connections.open({})).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
    } finally {
      await socketStandin.close();
    }
    // Set up without Socket Mode, the stand-in refuses even the right token.
    const app = new WebClient('xapp-1-test', { slackApiUrl: standin.url, retryConfig: { retries: 0 } });
    await expect(app.apps.connections.open({})).rejects.toMatchObject({ data: { error: 'socket_mode_not_enabled' } });
  });
  it('serves auth.test, users.info and conversations.info', async () => {
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: standin.bot.userId, team_id: 'T0CONSOLE' });
    const { user } = await client.users.info({ user: 'U0BOB' });
    expect(user).toMatchObject({ id: 'U0BOB', real_name: 'Bob Builder', tz: 'America/New_York', profile: { email: 'bob@example.com' } });
    const ada = await client.users.info({ user: 'U0CONSOLE' });
    expect(ada.user?.profile?.email).toBe('ada@example.com');
    const { channel } = await client.conversations.info({ channel: 'C0DIGEST' });
    expect(channel).toMatchObject({ id: 'C0DIGEST', name: 'pipeline' });
    // An id in Slack's shape nobody registered is a member (hand-made payloads assume one); any other is not found.
    expect((await client.users.info({ user: 'U0NOBODY' })).user).toMatchObject({
      id: 'U0NOBODY',
      team_id: 'T0CONSOLE',
      is_restricted: false,
    });
    await expect(client.users.info({ user: 'nobody' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
    await expect(client.conversations.info({ channel: 'C0NOPE' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
  });

  it('opens a view with an id and hash, updates it by id, and refuses a stale hash', async () => {
    const view = { type: 'modal' as const, callback_id: 'x', title: { type: 'plain_text' as const, text: 'New deal' }, blocks: [] };
    const opened = await client.views.open({ trigger_id: standin.triggerId(), view });
    const id = opened.view?.id ?? '';
    expect(id).toMatch(/^V/);
    expect(opened.view).toMatchObject({ callback_id: 'x', state: { values: {} }, root_view_id: id });

    const updated = await client.views.update({ view_id: id, hash: opened.view?.hash ?? '', view: { ...view, callback_id: 'y' } });
    expect(updated.view).toMatchObject({ id, callback_id: 'y' });
    expect(updated.view?.hash).not.toBe(opened.view?.hash);
    expect(standin.view(id)).toMatchObject({ callback_id: 'y' });

    await expect(client.views.update({ view_id: id, hash: opened.view?.hash ?? '', view })).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });
  });

  it('fails the next call of a method on request, then answers normally again', async () => {
    standin.failNext('chat.postMessage', 'channel_not_found');
    await expect(client.chat.postMessage({ channel: 'C0CONSOLE', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'channel_not_found' },
    });
    await expect(client.chat.postMessage({ channel: 'C0CONSOLE', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect(standin.calls.map((c) => c.result.ok)).toEqual([false, true]);
  });

  it('rate-limits with HTTP 429 and Retry-After', async () => {
    standin.failNext('chat.update', 'ratelimited', { retryAfterSeconds: 7 });
    const strict = new WebClient('xoxb-test', { slackApiUrl: standin.url, rejectRateLimitedCalls: true });
    await expect(strict.chat.update({ channel: 'C0CONSOLE', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });

    standin.failNext('chat.update', 'ratelimited', { retryAfterSeconds: 3 });
    const raw = await fetch(`${standin.url}chat.update`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('3');
  });

  it('records response_url posts with their id and refuses a sixth use', async () => {
    const url = standin.responseUrl({ channel: 'C0CONSOLE' });
    const id = standin.responseIdOf(url);
    const post = (body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const first = await post({ text: 'Moved', response_type: 'in_channel' });
    expect(first.status).toBe(200);
    expect(standin.calls[0]).toMatchObject({
      method: 'response_url',
      responseId: id,
      args: { text: 'Moved', response_type: 'in_channel' },
    });
    // An in-channel reply becomes a real channel message the app can later update by ts.
    const ts = standin.calls[0]?.message?.ts ?? '';
    expect(standin.message('C0CONSOLE', ts)?.text).toBe('Moved');

    for (let i = 0; i < 4; i += 1) expect((await post({ text: `again ${i}` })).status).toBe(200);
    const sixth = await post({ text: 'too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.text()).toBe('used_url');

    const unknown = await fetch(url.replace(/[^/]+$/, 'nope'), { method: 'POST', body: '{"text":"x"}' });
    expect(unknown.status).toBe(404);
  });

  it('replaces the message a response_url was minted for', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0CONSOLE', text: 'Open' });
    const url = standin.responseUrl({ channel: 'C0CONSOLE', ts: posted.ts ?? '' });
    await fetch(url, { method: 'POST', body: JSON.stringify({ text: 'Won', replace_original: true }) });
    expect(standin.message('C0CONSOLE', posted.ts ?? '')?.text).toBe('Won');
  });

  it('emits each call, and waits for calls that have not happened yet', async () => {
    const seen: string[] = [];
    standin.on('call', (call) => seen.push(call.method));
    const waiting = standin.waitForCall('chat.postEphemeral', 2000);
    await client.chat.postEphemeral({ channel: 'C0CONSOLE', user: 'U0CONSOLE', text: 'psst' });
    const call = await waiting;
    expect(call.args).toMatchObject({ user: 'U0CONSOLE', text: 'psst' });
    expect(call.result.message_ts).toEqual(expect.any(String));
    expect(seen).toEqual(['chat.postEphemeral']);

    await expect(standin.waitForCall('views.open', 50)).rejects.toThrow(/calls so far: chat.postEphemeral/);
  });
});
