// `npm start` — the README's own command — with a bot token and a signing secret serves
// HTTP: the real start-up path (compiled app under plain node, config, store, CRM, Slack
// identity, receiver) in its own process tree, checked from outside as a load balancer,
// Prometheus and Slack would see it, then stopped with SIGTERM sent to the npm process, as a
// supervisor would.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import { formBody, postSigned } from '../helpers/slack-signing.js';

const REPO = join(import.meta.dirname, '..', '..');
const SECRET = 'http-test-secret';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until `accept` likes the answer (the process is starting in its own time). */
/** The body of /readyz once its `state` is `state`. */
async function readinessIn(base: string, state: string, timeoutMs: number): Promise<unknown> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await (await fetch(`${base}/readyz`)).json();
      if ((last as { state?: unknown }).state === state) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`/readyz never said "${state}": ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitFor(url: string, accept: (res: Response) => boolean, timeoutMs: number): Promise<Response> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const res = await fetch(url);
      if (accept(res)) return res;
      last = `HTTP ${res.status}: ${await res.text()}`;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`${url} never answered as expected: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; at: number }>;
  stderr: () => string;
  port: number;
  base: string;
}

const children: ChildProcess[] = [];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  // The whole process group (npm and the node it started), so a failed test leaves nothing running.
  for (const child of children.splice(0)) {
    if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  }
  for (const close of closers.splice(0)) await close();
});

async function npmStart(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  let stderr = '';
  const child = spawn('npm', ['start', '--silent'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      SLACK_BOT_TOKEN: 'xoxb-http-test',
      SLACK_SIGNING_SECRET: SECRET,
      PORT: String(port),
      STORE_URL: 'memory://',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  children.push(child);
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, at: Date.now() })),
  );
  return { child, exited, stderr: () => stderr, port, base: `http://127.0.0.1:${port}` };
}

async function standin(port = 0): Promise<SlackApiStandin> {
  const s = await startSlackApiStandin({ port });
  closers.push(() => s.close());
  return s;
}

/**
 * A Redis of this test's own on a free port (never the shared one on 6379), which the test can
 * freeze with SIGSTOP: connections stay open and nothing is answered, as a wedged Redis does.
 */
async function privateRedis() {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  const stopped = new Promise<void>((resolve) => server.on('exit', () => resolve()));
  closers.push(async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    server.kill('SIGCONT');
    server.kill('SIGKILL');
    await stopped;
  });
  await new Promise<void>((resolve, reject) => {
    const until = Date.now() + 10_000;
    const tryConnect = () => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', () => (Date.now() > until ? reject(new Error('redis-server did not start')) : setTimeout(tryConnect, 50)));
    };
    tryConnect();
  });
  return { url: `redis://127.0.0.1:${port}`, freeze: () => server.kill('SIGSTOP') };
}

/** A response_url that holds each post until told to answer: in-flight work we control. */
async function heldResponseUrl() {
  const held: Array<{ body: string; res: ServerResponse; closedEarly: () => boolean }> = [];
  let arrived: (() => void) | null = null;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      let closed = false;
      res.on('close', () => (closed = !res.writableEnded));
      held.push({ body, res, closedEarly: () => closed });
      arrived?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  server.unref();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/respond`,
    held,
    next: () => new Promise<void>((resolve) => (held.length > 0 ? resolve() : (arrived = resolve))),
  };
}

const command = (text: string, responseUrl: string) =>
  formBody({
    command: '/deal',
    text,
    team_id: 'T0CONSOLE',
    user_id: 'U0ALICE',
    user_name: 'alice',
    channel_id: 'C0CONSOLE',
    trigger_id: '1337.42.abcd',
    response_url: responseUrl,
  });

describe('npm start in HTTP mode', () => {
  it('serves health, readiness and metrics, refuses bad bodies and survives them, and drains in-flight work on SIGTERM', async () => {
    const slack = await standin();
    const app = await npmStart({ SLACK_API_URL: slack.url });

    const health = await waitFor(`${app.base}/healthz`, (r) => r.status === 200, 120_000);
    expect(await health.json()).toEqual({ ok: true, store: 'memory', crm: 'local' });
    const ready = await waitFor(`${app.base}/readyz`, (r) => r.status === 200, 15_000);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { store: { ok: true }, slack: { ok: true }, crm: { ok: true } } });
    // The bot token was checked with Slack (here the stand-in) at start.
    expect(slack.calls.some((c) => c.method === 'auth.test')).toBe(true);

    const events = `${app.base}/slack/events`;
    const unsigned = await fetch(events, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fdeal&text=help',
    });
    expect(unsigned.status).toBe(401);
    // Signed, well-formed, and not an object: refused, and the process carries on.
    expect((await postSigned({ url: events, secret: SECRET, body: 'payload=null' })).status).toBe(400);
    expect((await postSigned({ url: events, secret: SECRET, body: 'null', headers: { 'content-type': 'application/json' } })).status).toBe(
      400,
    );
    expect((await fetch(`${app.base}/healthz`)).status).toBe(200);

    // A command whose reply is still being delivered when SIGTERM arrives.
    const responder = await heldResponseUrl();
    const ack = await postSigned({ url: events, secret: SECRET, body: command('find contoso', responder.url) });
    expect(ack.status).toBe(200);
    await responder.next();
    const sentAt = Date.now();
    app.child.kill('SIGTERM');
    const reply = responder.held[0]!;
    expect(reply.closedEarly()).toBe(false);
    reply.res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    expect(reply.body).toContain('Contoso');

    const { code, at } = await app.exited;
    expect(code).toBe(0);
    expect(at - sentAt).toBeLessThan(10_000);

    expect(app.stderr()).toBe('');
  }, 180_000);

  it('exports Prometheus metrics of requests and acks by kind', async () => {
    const slack = await standin();
    const app = await npmStart({ SLACK_API_URL: slack.url });
    await waitFor(`${app.base}/readyz`, (r) => r.status === 200, 120_000);
    const ack = await postSigned({ url: `${app.base}/slack/events`, secret: SECRET, body: command('help', slack.responseUrl()) });
    expect(ack.status).toBe(200);
    const text = await (await fetch(`${app.base}/metrics`)).text();
    expect(text).toMatch(/dealbot_slack_requests_total\{kind="command"\} 1/);
    expect(text).toMatch(/dealbot_slack_acks_total\{kind="command"\} 1/);
    expect(text).toMatch(/dealbot_slack_ack_seconds_bucket\{le="3",kind="command"\} 1/);
    expect(text).toMatch(/dealbot_ready\{check="slack"\} 1/);
    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
  }, 180_000);

  it('waits for Slack when it is down at start, not ready meanwhile, and works once it answers, without a restart', async () => {
    const slackPort = await freePort();
    const app = await npmStart({ SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`, LOG_LEVEL: 'warn' });
    // /readyz answers 503 from the first moment ("starting" while the app loads, then each
    // step it waits on): wait for the step that waits on Slack.
    const notReady = await readinessIn(app.base, 'waiting for Slack', 120_000);
    // Slack has refused a first auth.test (its one line is logged) before Slack comes up.
    for (const until = Date.now() + 30_000; !app.stderr().includes('not ready') && Date.now() < until;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(notReady).toMatchObject({
      ready: false,
      state: 'waiting for Slack',
      checks: { store: { ok: true }, slack: { ok: false } },
    });
    expect((await fetch(`${app.base}/healthz`)).status).toBe(200);

    const slack = await standin(slackPort);
    await waitFor(`${app.base}/readyz`, (r) => r.status === 200, 10_000);
    const ack = await postSigned({ url: `${app.base}/slack/events`, secret: SECRET, body: command('help', slack.responseUrl()) });
    expect(ack.status).toBe(200);
    expect(await ack.text()).toContain('/deal');

    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    // One line said why it was not ready; no stack anywhere.
    const lines = app.stderr().trim().split('\n');
    expect(lines.filter((l) => l.includes('not ready'))).toHaveLength(1);
    expect(app.stderr()).not.toMatch(/\n\s+at /);
  }, 180_000);

  it('retries a 429 from auth.test at start', async () => {
    const slack = await standin();
    slack.failNext('auth.test', 'ratelimited', { retryAfterSeconds: 1 });
    const app = await npmStart({ SLACK_API_URL: slack.url });
    await waitFor(`${app.base}/readyz`, (r) => r.status === 200, 120_000);
    expect(slack.calls.filter((c) => c.method === 'auth.test').length).toBeGreaterThanOrEqual(2);
    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
  }, 180_000);

  it('a Redis that freezes: /readyz fails within 5 s, a command is still acked and told to try again, and SIGTERM still stops it', async () => {
    const redis = await privateRedis();
    const slack = await standin();
    const app = await npmStart({ SLACK_API_URL: slack.url, STORE_URL: redis.url });
    await waitFor(`${app.base}/readyz`, (r) => r.status === 200, 120_000);

    redis.freeze();
    const frozenAt = Date.now();
    const notReady = await waitFor(`${app.base}/readyz`, (r) => r.status === 503, 10_000);
    expect(Date.now() - frozenAt).toBeLessThan(5_000);
    expect(await notReady.json()).toMatchObject({ ready: false, checks: { store: { ok: false } } });

    const sent = Date.now();
    const ack = await postSigned({ url: `${app.base}/slack/events`, secret: SECRET, body: command('1', slack.responseUrl()) });
    expect(ack.status).toBe(200);
    expect(Date.now() - sent).toBeLessThan(3_000);
    const reply = await slack.waitFor((c) => c.method === 'response_url', 10_000);
    expect(JSON.stringify(reply.args)).toMatch(/[Tt]ry again/);

    const stopAt = Date.now();
    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
  }, 180_000);

  it('ends with one clear line and exit code 1 when Slack refuses the token', async () => {
    const slack = await standin();
    slack.failNext('auth.test', 'invalid_auth');
    const app = await npmStart({ SLACK_API_URL: slack.url });
    const { code } = await app.exited;
    expect(code).toBe(1);
    expect(app.stderr()).toBe(
      'Dealbot cannot start:\n  - Slack refused SLACK_BOT_TOKEN (invalid_auth): check SLACK_BOT_TOKEN (reinstall the app or copy the current token).\n',
    );
  }, 180_000);
});
