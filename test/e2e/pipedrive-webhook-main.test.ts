// The real start-up path (src/main.ts under tsx, its own process) in HTTP mode with Pipedrive
// as the CRM, the webhook credentials and PUBLIC_URL set: at start it registers its v2 deal
// webhook on Pipedrive (a loopback stand-in answering the adapter's requests and recording
// them), and serves `POST /webhooks/pipedrive` on PORT. A channel subscribed with
// `/pipeline alerts all` gets one alert for PipedreamHQ's recorded `create.deal` body posted
// with the right credentials, none for the same body again, and nothing for a wrong password.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { formBody, postSigned } from '../helpers/slack-signing.js';

const REPO = join(import.meta.dirname, '..', '..');
const SECRET = 'webhook-e2e-secret';
const USER = 'pipedrive-hook';
const PASSWORD = 'a long webhook password';
const PUBLIC_URL = 'https://dealbot.example.com';
const CREATE = JSON.parse(readFileSync(join(REPO, 'test/fixtures/pipedrive/real-webhook-v2-create-deal.json'), 'utf8'));

const children: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  }
  for (const close of closers.splice(0)) await close();
});

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Just enough of Pipedrive for a start, a poll and an alert's names; every request recorded. */
async function fakePipedrive() {
  const requests: Array<{ method: string; path: string; body: unknown }> = [];
  const list = (data: unknown[]) => ({ success: true, data, additional_data: { next_cursor: null } });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? '', path, body: raw ? JSON.parse(raw) : null });
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'HEAD') return answer(200, {});
      if (path === '/v1/webhooks' && req.method === 'GET') return answer(200, { success: true, data: [] });
      if (path === '/v1/webhooks' && req.method === 'POST') {
        return answer(201, { success: true, data: { id: 77, subscription_url: `${PUBLIC_URL}/webhooks/pipedrive`, version: '2.0' } });
      }
      if (path === '/api/v2/deals') return answer(200, list([]));
      if (path === '/api/v2/pipelines') return answer(200, list([{ id: 1, name: 'Sales', order_nr: 1 }]));
      if (path === '/api/v2/stages') {
        return answer(200, list([{ id: 1, pipeline_id: 1, name: 'Qualified', order_nr: 1, deal_probability: 10 }]));
      }
      if (path === '/v1/users')
        return answer(200, { success: true, data: [{ id: 123123, name: 'Ada Owner', email: 'ada@example.com', active_flag: true }] });
      if (path === '/v1/users/me') {
        return answer(200, { success: true, data: { id: 123123, name: 'Ada Owner', default_currency: 'EUR', company_domain: 'company' } });
      }
      return answer(404, { success: false, error: 'not found' });
    });
  });
  return { url: await listen(server), requests };
}

async function waitUntil<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => null);
    if (value !== null && value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} never happened`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Dealbot in HTTP mode with Pipedrive webhooks', () => {
  it('registers its webhook at start and turns a real webhook body into one alert in a subscribed channel', async () => {
    const slack: SlackApiStandin = await startSlackApiStandin({ port: 0 });
    closers.push(() => slack.close());
    const pipedrive = await fakePipedrive();
    const port = await freePort();
    let stderr = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SLACK_BOT_TOKEN: 'xoxb-webhook-test',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.url,
        PORT: String(port),
        STORE_URL: 'memory://',
        LOG_LEVEL: 'warn',
        CRM_PROVIDER: 'pipedrive',
        PIPEDRIVE_API_TOKEN: 'pd-token-webhook-test',
        PIPEDRIVE_BASE_URL: pipedrive.url,
        PIPEDRIVE_WEBHOOK_USER: USER,
        PIPEDRIVE_WEBHOOK_PASSWORD: PASSWORD,
        PUBLIC_URL,
        CRM_POLL_SECONDS: '0',
        // Alice has no Pipedrive user here; setting a channel's alerts is a write.
        UNLINKED_USERS: 'write',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    children.push(child);
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const base = `http://127.0.0.1:${port}`;

    // Registered at start, with the credentials Dealbot checks.
    const registration = await waitUntil(
      'the webhook registration',
      () => pipedrive.requests.find((r) => r.method === 'POST' && r.path === '/v1/webhooks') ?? null,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; stderr: ${stderr}`);
    });
    expect(registration.body).toMatchObject({
      subscription_url: `${PUBLIC_URL}/webhooks/pipedrive`,
      event_action: '*',
      event_object: 'deal',
      version: '2.0',
      http_auth_user: USER,
      http_auth_password: PASSWORD,
    });
    await waitUntil('readiness', async () => ((await fetch(`${base}/readyz`)).ok ? true : null));

    // The channel subscribes to every alert.
    const ack = await postSigned({
      url: `${base}/slack/events`,
      secret: SECRET,
      body: formBody({
        command: '/pipeline',
        text: 'alerts all',
        team_id: slack.bot.teamId,
        user_id: 'U0ALICE',
        user_name: 'alice',
        channel_id: 'C0CONSOLE',
        trigger_id: slack.triggerId(),
        response_url: slack.responseUrl(),
      }),
    });
    expect(ack.status).toBe(200);
    const told = await slack.waitFor((call) => call.method === 'response_url', 30_000);
    expect(JSON.stringify(told.args)).toContain('set alerts here: every deal event');

    const post = (authorization: string) =>
      fetch(`${base}/webhooks/pipedrive`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(CREATE),
      });
    const basic = (password: string) => `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`;

    expect((await post(basic('not it'))).status).toBe(401);
    const from = slack.calls.length;
    const first = await post(basic(PASSWORD));
    expect(first.status).toBe(200);
    const alert = await slack.waitFor(
      (call, index) => index >= from && call.method === 'chat.postMessage' && JSON.stringify(call).includes('Title'),
      30_000,
    );
    expect(alert.args).toMatchObject({ channel: 'C0CONSOLE' });
    expect(JSON.stringify(alert.args)).toContain('Title');

    const again = await post(basic(PASSWORD));
    await expect(again.json()).resolves.toEqual({ ok: true, duplicate: true });
    const alerts = slack.calls.slice(from).filter((call) => call.method === 'chat.postMessage' && JSON.stringify(call).includes('Title'));
    expect(alerts).toHaveLength(1);
  }, 120_000);
});
