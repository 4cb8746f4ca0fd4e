// The console shares the terminal with the person typing: ordinary mistakes are answered,
// and the log lines they cause go to a file beside the store, never between the answers.
// Expected errors are logged at info without a stack, and each line names the request.
// Run through the README's own command, `npm start`, with stdin a pipe.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'dealbot-console-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function npmStartConsole(script: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'Europe/Berlin', NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(`${script.join('\n')}\n`);
  });
}

describe('the console, with ordinary mistakes', () => {
  it('answers them and prints no log line; the log file beside the store has them at info, without a stack, naming the request', async () => {
    const { code, stdout, stderr } = await npmStartConsole(['/deal 99999', '/deal new 12k EUR'], {
      STORE_URL: `sqlite://${join(dir, 'dealbot.sqlite')}`,
    });

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/> \/deal 99999\n/);
    expect(stdout).toMatch(/> \/deal new 12k EUR\n/);
    // Nothing that looks like a log record or a stack reached the terminal.
    expect(stdout).not.toMatch(/"level"|"msg"|\n\s+at /);

    const log = readFileSync(join(dir, 'dealbot.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const failures = log.filter((record) => record.msg === 'listener failed');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    for (const record of failures) {
      expect(record.level).toBe(30);
      expect(JSON.stringify(record)).not.toMatch(/stack/);
      expect(record).toMatchObject({ requestId: expect.any(String), team: expect.any(String), user: expect.any(String) });
    }
    expect(failures.map((r) => r.code)).toContain('dealbot_crm_not_found');
  }, 300_000);
});
