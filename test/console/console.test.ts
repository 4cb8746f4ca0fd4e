import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebClient } from '@slack/web-api';
import nock from 'nock';
import { PassThrough } from 'node:stream';
import { consoleZone, startConsole, type ConsoleSession } from '../../src/console/console.js';
import { stripAnsi } from '../../src/console/terminal-style.js';
import { createDemoApp, type DemoAppRecord } from './demo-app.js';

interface Run {
  output: string;
  session: ConsoleSession;
  record: DemoAppRecord;
}

/** Runs the console over scripted lines, as `npm start < script.txt` would, until input ends. */
async function runScript(lines: string[], color = false): Promise<Run> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const record: DemoAppRecord = { submissions: [] };
  const session = await startConsole({ buildApp: createDemoApp(record), input, output, interactive: false, color, settleMs: 60 });
  input.end(`${lines.join('\n')}\n`);
  await session.done;
  return { output: text, session, record };
}

/** The part of the transcript printed in answer to `line`. */
function answerTo(output: string, line: string): string {
  const start = output.indexOf(`> ${line}\n`);
  if (start < 0) throw new Error(`"${line}" was not echoed`);
  const rest = output.slice(start + line.length + 3);
  const next = rest.search(/^> /m);
  return next < 0 ? rest : rest.slice(0, next);
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterEach(() => {
  nock.enableNetConnect();
});

describe('console', () => {
  it('introduces itself, answers a slash command’s immediate reply, and ends at end of input', async () => {
    const { output, session } = await runScript(['/deal help']);
    const [intro] = output.split('\n');
    expect(intro).toMatch(/^Dealbot console: .*no Slack workspace or credentials.*Type help for commands/);
    expect(answerTo(output, '/deal help')).toBe('Dealbot · only visible to you\n│ Usage: `/deal new <title>` creates a deal\n\n');
    // Shut down with the input: the stand-in no longer listens.
    await expect(fetch(session.standin.url + 'auth.test', { method: 'POST' })).rejects.toThrow();
  });

  it('shows a reply in the channel, presses its button, and shows the message the app updated', async () => {
    const { output, session } = await runScript(['/deal new Acme rollout', 'click 1', 'select 2 prop']);

    const card = answerTo(output, '/deal new Acme rollout');
    expect(card).toContain('Dealbot · #sales\n│ Acme rollout');
    expect(card).toContain('│ [1] Won');
    expect(card).toContain('│ [2] Move to stage ▾ (Lead · Qualified · Proposal)');

    const won = answerTo(output, 'click 1');
    expect(won).toContain('Dealbot · #sales · updated');
    expect(won).toContain('Won 🎉');
    // The app updated the very message the button was on.
    const posted = session.standin.calls.find((c) => c.method === 'response_url')?.message;
    const update = session.standin.calls.find((c) => c.method === 'chat.update');
    expect(update?.args).toMatchObject({ channel: 'C0CONSOLE', ts: posted?.ts });

    expect(answerTo(output, 'select 2 prop')).toBe('Dealbot · #sales · updated\n│ Moved to Proposal\n\n');
  });

  it('updates in place a card the app posted in its immediate reply to the command', async () => {
    const { output } = await runScript(['/deal share', 'click 1']);
    expect(answerTo(output, '/deal share')).toContain('Dealbot · #sales\n│ Shared deal');
    expect(answerTo(output, 'click 1')).toContain('Dealbot · #sales · updated');
  });

  it('fills a modal: errors from the app inline, values sent in Slack’s state shape, closed on success', async () => {
    const { output, record } = await runScript([
      '/deal new',
      'submit',
      'set Title Big deal',
      'set 3 qualified',
      'set exp 2025-03-31',
      'submit',
    ]);

    const opened = answerTo(output, '/deal new');
    expect(opened).toContain('╭─ New deal · modal');
    expect(opened).toContain('│ [1] Title *\n│     (empty)\n│     What is being sold, to whom');
    expect(opened).toContain('│ [3] Stage *\n│     Lead ▾');
    expect(opened).toContain('╰─ submit (Create) · cancel (Cancel)');

    expect(answerTo(output, 'submit')).toContain('│ [1] Title *\n│     (empty)\n│     ⚠ Give the deal a title');
    expect(answerTo(output, 'set Title Big deal')).toBe('✓ Title: Big deal\n');
    expect(answerTo(output, 'set 3 qualified')).toBe('✓ Stage: Qualified\n');

    const last = output.slice(output.lastIndexOf('> submit\n'));
    expect(last).toContain('(modal closed)');
    expect(last).toContain('Dealbot · #sales\n│ Created Big deal in Qualified');

    expect(record.submissions).toHaveLength(2);
    expect(record.submissions[0]?.values).toEqual({
      title: { title: { type: 'plain_text_input', value: null } },
      pipeline: { pipeline: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Sales' }, value: 'sales' } } },
      stage: { stage: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Lead' }, value: 'lead' } } },
      close_date: { close_date: { type: 'datepicker', selected_date: null } },
      org: { org: { type: 'external_select', selected_option: null } },
    });
    expect(record.submissions[1]?.values).toEqual({
      title: { title: { type: 'plain_text_input', value: 'Big deal' } },
      pipeline: { pipeline: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Sales' }, value: 'sales' } } },
      stage: { stage: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Qualified' }, value: 'qualified' } } },
      close_date: { close_date: { type: 'datepicker', selected_date: '2025-03-31' } },
      org: { org: { type: 'external_select', selected_option: null } },
    });
    expect(JSON.parse(record.submissions[1]?.privateMetadata ?? '{}')).toEqual({ channelId: 'C0CONSOLE' });
  });

  it('reports a dispatching field at once and shows the modal the app redrew, keeping what was typed', async () => {
    const { output, session } = await runScript(['/deal new', 'set Title Acme', 'select 2 Partners', 'submit']);
    const redrawn = answerTo(output, 'select 2 Partners');
    expect(redrawn).toContain('│ [1] Title *\n│     Acme\n');
    expect(redrawn).toContain('│ [2] Pipeline *\n│     Partners ▾ (Sales · Partners)');
    expect(redrawn).toContain('│ [3] Stage *\n│     Intro ▾ (Intro · Contract)');
    // The app sent the hash it got in the payload, and the stand-in accepted it.
    const update = session.standin.calls.find((c) => c.method === 'views.update');
    expect(update?.result.ok).toBe(true);
    expect(update?.args.hash).toEqual(expect.any(String));
    expect(answerTo(output, 'submit')).toContain('Created Acme in Intro');
  });

  it('asks the app for an external select’s options with what was typed', async () => {
    const { output, record } = await runScript([
      '/deal new',
      'set Organization acme',
      'set Organization acme labs',
      'set Title Labs deal',
      'submit',
    ]);
    expect(answerTo(output, 'set Organization acme')).toBe('Organization: "acme" matches several: Acme Corp, Acme Labs\n');
    expect(answerTo(output, 'set Organization acme labs')).toBe('✓ Organization: Acme Labs\n');
    expect(record.submissions[0]?.values.org).toEqual({
      org: { type: 'external_select', selected_option: { text: { type: 'plain_text', text: 'Acme Labs' }, value: 'acme-labs' } },
    });
  });

  it('tells the app when a modal it asked to hear about is cancelled', async () => {
    const { output } = await runScript(['/deal new', 'cancel', 'submit']);
    expect(answerTo(output, 'cancel')).toBe('(modal closed)\nDealbot · only visible to you\n│ Nothing was created.\n\n');
    expect(answerTo(output, 'submit')).toBe('No modal is open.\n');
  });

  it('answers lines it cannot use with a hint and keeps going', async () => {
    const { output } = await runScript([
      'hello there',
      'click 7',
      'set Title x',
      'select',
      '/deal new Acme',
      'click 2',
      'select 2 Won',
      'click 3',
      '/deal zzz',
    ]);
    expect(answerTo(output, 'hello there')).toBe('Not understood: "hello there". Type help for console commands, or /deal help.\n');
    expect(answerTo(output, 'click 7')).toBe('There is no element [7] on screen; type show to see the numbers.\n');
    expect(answerTo(output, 'set Title x')).toBe('There is no form field on screen.\n');
    expect(answerTo(output, 'click 2')).toBe('[2] is a static select: select 2 <value> (Lead, Qualified, Proposal)\n');
    expect(answerTo(output, 'select 2 Won')).toBe('Move to stage: no option "Won"; options: Lead, Qualified, Proposal\n');
    expect(answerTo(output, 'click 3')).toBe('(the app failed: the CRM is down)\n\n');
    expect(answerTo(output, '/deal zzz')).toContain('I do not know "zzz".');
  });

  it('stops reading at quit', async () => {
    const { output, session } = await runScript(['help', 'quit', '/deal help']);
    expect(answerTo(output, 'help')).toMatch(/^Console commands:\n.*click N\s+press button N/s);
    expect(output).not.toContain('> /deal help');
    expect(session.standin.calls.filter((c) => c.method === 'response_url')).toHaveLength(0);
  });

  it('redraws what is on screen with show, in colour when asked', async () => {
    const { output } = await runScript(['/deal new Acme', 'show'], true);
    const shown = stripAnsi(answerTo(stripAnsi(output), 'show'));
    expect(shown).toContain('Dealbot · #sales\n│ Acme');
    expect(output).toContain('\u001b[1mAcme\u001b[22m');
  });

  it('posts what the person says and runs a message shortcut on it', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const seen: Array<Record<string, unknown>> = [];
    const session = await startConsole({
      buildApp: async (wiring) => {
        const app = createDemoApp()(wiring);
        app.shortcut('deal_from_message', async ({ ack, shortcut }) => {
          await ack();
          seen.push(shortcut as unknown as Record<string, unknown>);
        });
        return app;
      },
      input,
      output,
      interactive: false,
      color: false,
      settleMs: 60,
      shortcuts: [{ callbackId: 'deal_from_message', name: 'Create deal', type: 'message' }],
    });
    input.end('say Acme wants 40 seats\nshortcut Create deal\n');
    await session.done;
    expect(answerTo(text, 'say Acme wants 40 seats')).toBe('You · #sales\n│ Acme wants 40 seats\n\n');
    expect(seen[0]).toMatchObject({
      type: 'message_action',
      callback_id: 'deal_from_message',
      message: { text: 'Acme wants 40 seats', user: 'U0CONSOLE' },
    });
  });
});

describe('console between and around inputs', () => {
  async function openSession() {
    const input = new PassThrough();
    const output = new PassThrough();
    const seen = { text: '' };
    output.on('data', (chunk: Buffer) => {
      seen.text += chunk.toString('utf8');
    });
    const session = await startConsole({ buildApp: createDemoApp(), input, output, interactive: false, color: false, settleMs: 60 });
    return { input, seen, session };
  }

  it('shows what the app posts on its own, such as a scheduled digest, while waiting for input', async () => {
    const { input, seen, session } = await openSession();
    const client = new WebClient('xoxb-console', { slackApiUrl: session.standin.url });
    await client.chat.postMessage({ channel: 'C0CONSOLE', text: 'Pipeline digest: *3* open deals' });
    await vi.waitFor(() => expect(seen.text).toContain('Dealbot · #sales\n│ Pipeline digest: 3 open deals'), { timeout: 5000 });
    input.end();
    await session.done;
  });

  it('says when Slack refused a call the app made', async () => {
    const { input, seen, session } = await openSession();
    session.standin.failNext('chat.update', 'message_not_found');
    input.end('/deal new Acme\nclick 1\n');
    await session.done;
    expect(answerTo(seen.text, 'click 1')).toContain('(Slack answered chat.update with message_not_found)');
  });
});

describe('consoleZone', () => {
  it('takes TZ when it names a zone, and Berlin otherwise', () => {
    expect(consoleZone({ TZ: 'America/Chicago' })).toBe('America/Chicago');
    expect(consoleZone({ TZ: 'Not/AZone' })).toBe('Europe/Berlin');
    expect(consoleZone({})).toBe('Europe/Berlin');
  });
});
