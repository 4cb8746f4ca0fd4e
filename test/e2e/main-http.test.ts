// `npm start` with a bot token and a signing secret serves HTTP: the real start-up path
// (config, store, CRM, receiver) in its own process, checked from outside as a load
// balancer and Slack would see it, then stopped with SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<Response> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

let child: ChildProcess | undefined;
let standin: SlackApiStandin | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await standin?.close();
});

describe('npm start in HTTP mode', () => {
  it('serves /healthz, refuses unsigned requests and stops cleanly on SIGTERM', async () => {
    standin = await startSlackApiStandin();
    const port = await freePort();
    let stderr = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SLACK_BOT_TOKEN: 'xoxb-http-test',
        SLACK_SIGNING_SECRET: 'http-test-secret',
        SLACK_API_URL: standin.url,
        PORT: String(port),
        STORE_URL: 'memory://',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));

    const health = await waitForHealth(`http://127.0.0.1:${port}/healthz`, 15_000);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, store: 'memory', crm: 'local' });
    // The bot token was checked with Slack (here the stand-in) at start.
    expect(standin.calls.some((c) => c.method === 'auth.test')).toBe(true);

    const unsigned = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fdeal&text=help',
    });
    expect(unsigned.status).toBe(401);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
