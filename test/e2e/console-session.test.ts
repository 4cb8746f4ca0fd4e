// The README's promise, tested as a newcomer would meet it: `npm start` with no Slack
// credentials runs the console; a scripted session (stdin not a TTY) creates a deal in the
// modal, moves it, marks it lost with a reason in the lost modal, and exits 0 at the end
// of input. The test reads what was printed and what the SQLite store holds afterwards.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { createStore } from '../../src/store/create-store.js';

const dir = mkdtempSync(join(tmpdir(), 'dealbot-console-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runConsole(script: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
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

// Each case starts one or two node processes that load tsx cold: on a loaded 2-core machine
// that alone took over 20 s (vitest's default here). A ceiling, not a timing assertion.
describe('the console, scripted', { timeout: 120_000 }, () => {
  it('creates, moves and loses a deal through the real app, and the store keeps it', async () => {
    const storeUrl = `sqlite://${join(dir, 'dealbot.sqlite')}`;
    const { code, stdout, stderr } = await runConsole(
      [
        '/deal new',
        'set Title Globex expansion',
        'set Value 1.5m',
        'set Currency USD',
        'submit',
        '/deal move Globex expansion to prop',
        'frobnicate',
        '/foo bar',
        '/deal lost Globex expansion',
        'set 1 Budget cut',
        'submit',
        '/deal timeline Globex expansion',
      ],
      { STORE_URL: storeUrl },
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
    // One line says this is the console.
    expect(stdout.split('\n')[0]).toMatch(/console/i);
    // The modal is drawn as a form, then the card comes back.
    expect(stdout).toMatch(/New deal · modal/);
    expect(stdout).toMatch(/Title \*/);
    expect(stdout).toContain('$1,500,000');
    expect(stdout).toContain('Moved from Qualified to Proposal');
    // A line it cannot read gets a one-line hint, not a crash.
    expect(stdout).toMatch(/> frobnicate\n[^\n]*(help|understand|not a)/i);
    // A slash command Dealbot does not have is named as such, with the ones it has.
    expect(stdout).toMatch(/> \/foo bar\n\(nothing answers \/foo here; Slack would say it failed\. Try \/deal or \/pipeline\.\)/);
    expect(stdout).toMatch(/Mark as lost · modal/);
    expect(stdout).toMatch(/marked Globex expansion lost: Budget cut/);
    expect(stdout).toMatch(/Timeline: Globex expansion/);

    const store = await createStore(storeUrl);
    try {
      const crm = createLocalCrm({ store });
      const { hits } = await crm.searchDeals('Globex expansion');
      expect(hits).toHaveLength(1);
      const deal = await crm.getDeal(hits[0]!.id);
      const stages = await crm.listStages(deal.pipelineId);
      expect(deal).toMatchObject({
        title: 'Globex expansion',
        value: { amount: 1_500_000, currency: 'USD' },
        status: 'lost',
        lostReason: 'Budget cut',
      });
      expect(stages.find((s) => s.id === deal.stageId)?.name).toBe('Proposal');
      const history = await crm.getDealHistory(deal.id);
      expect(history.items.map((c) => c.kind)).toEqual(['status', 'stage', 'created']);
    } finally {
      await store.close();
    }
  });

  it('seeds the demo pipeline once and never overwrites it on the next start', async () => {
    const storeUrl = `sqlite://${join(dir, 'seed.sqlite')}`;
    const first = await runConsole(['/deal new Seed check 1k EUR'], { STORE_URL: storeUrl });
    expect(first.code).toBe(0);
    const second = await runConsole(['/deal find Seed check'], { STORE_URL: storeUrl });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Seed check');
  });

  it('stops with one clear line per bad setting and no stack trace', async () => {
    const { code, stderr } = await runConsole([], { STORE_URL: 'mysql://nope', PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toContain('STORE_URL must be sqlite://<path>, redis://<host>[:port] or memory://');
    expect(stderr).toContain('PORT must be a whole number from 1 to 65535');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says which setting to check when the store cannot be reached, and never shows its password', async () => {
    const { code, stderr } = await runConsole([], { STORE_URL: 'redis://:hunter2@127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Dealbot cannot start:\n {2}- Could not connect to Redis/);
    expect(stderr).toContain('Check STORE_URL');
    expect(stderr).toContain('is the Redis server running and reachable?');
    expect(stderr).not.toContain('hunter2');
  });
});
