import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_TITLE_MAX,
  NOTE_TEXT_MAX,
  mentionedUserIds,
  messageBodyText,
  messageNote,
  noteTextFromMessage,
  plainMessageText,
  titleFromMessage,
} from '../../src/services/message-note.js';

describe('plainMessageText', () => {
  it('reads Slack markup the way a person sees it', () => {
    const text =
      'Hi <@U1|ada>, <@U2> and <!here>: see <https://x.example/a?b=1&amp;c=2|the doc>, <https://y.example>, ' +
      '<mailto:a@b.example|a@b.example> in <#C1|sales> — 5 &lt; 6 &amp;&amp; <!subteam^S1|@sales-team>';
    expect(plainMessageText(text, new Map([['U2', 'Grace Hopper']]))).toBe(
      'Hi @ada, @Grace Hopper and @here: see the doc (https://x.example/a?b=1&c=2), https://y.example, ' +
        'a@b.example in #sales — 5 < 6 && @sales-team',
    );
  });

  it('keeps only link labels for titles', () => {
    expect(plainMessageText('see <https://x.example|the doc>', new Map(), { linkLabelsOnly: true })).toBe('see the doc');
  });
});

describe('titleFromMessage', () => {
  it('takes the first line with words, without bullets, quotes or formatting', () => {
    expect(titleFromMessage('\n\n> *Acme* wants _50_ seats\nmore')).toBe('Acme wants 50 seats');
    expect(titleFromMessage('• Renewal for <https://globex.example|Globex>')).toBe('Renewal for Globex');
  });

  it('keeps underscores, stars and tildes inside words, as Slack shows them', () => {
    expect(titleFromMessage('Invoice PO_4506904380 for :lion_face: team')).toBe('Invoice PO_4506904380 for :lion_face: team');
    expect(titleFromMessage('Sizing 2*3*4 racks, snake_case_name and ~approx~ 5 ~ 6')).toBe(
      'Sizing 2*3*4 racks, snake_case_name and approx 5 ~ 6',
    );
    expect(titleFromMessage('*Acme* (_urgent_), `code`!')).toBe('Acme (urgent), code!');
  });

  it('titles a legacy bot message by its attachment (a real bot message, test/fixtures/slack)', () => {
    const message = JSON.parse(readFileSync(new URL('../fixtures/slack/legacy-bot-message.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    const body = messageBodyText(message);
    expect(body).toBe('Incident Triggered\nAn incident has been triggered.');
    expect(titleFromMessage(body)).toBe('Incident Triggered');
    expect(noteTextFromMessage(body)).toContain('An incident has been triggered.');
  });

  it('reads attachment fields, and a fallback only when the attachment has no title or text', () => {
    expect(
      messageBodyText({ text: 'Deal news', attachments: [{ fallback: 'Closed: Acme', fields: [{ title: 'Value', value: '€12k' }] }] }),
    ).toBe('Deal news\nClosed: Acme\nValue: €12k');
    expect(messageBodyText({ text: 'plain' })).toBe('plain');
    expect(messageBodyText({ attachments: 'nonsense' })).toBe('');
  });

  it('cuts a long line at a word, within the limit', () => {
    const title = titleFromMessage(`${'word '.repeat(30)}end`);
    expect(title.length).toBeLessThanOrEqual(MESSAGE_TITLE_MAX);
    expect(title).toMatch(/word…$/);
  });

  it('is empty for a message without words (a file, an image)', () => {
    expect(titleFromMessage('')).toBe('');
    expect(titleFromMessage('  \n ')).toBe('');
  });
});

describe('the note', () => {
  it('starts with the whole message, cut to what a modal input holds', () => {
    expect(noteTextFromMessage('x'.repeat(5000)).length).toBeLessThanOrEqual(NOTE_TEXT_MAX);
    expect(noteTextFromMessage('Hi <@U9>', new Map([['U9', 'Bob']]))).toBe('Hi @Bob');
  });

  it("ends with who wrote the message, when (in the reader's zone) and its permalink", () => {
    const note = messageNote(
      ' They signed. ',
      { ts: '1794819600.000100' },
      { authorName: 'Bob', permalink: 'https://t.slack.com/archives/C1/p1' },
      'Europe/Berlin',
    );
    expect(note).toBe('They signed.\n\n— Bob in Slack, 16 Nov 2026, 10:00 GMT+1\nhttps://t.slack.com/archives/C1/p1');
    expect(messageNote('x', { ts: 'nonsense' }, { authorName: 'a bot', permalink: null }, 'UTC')).toBe('x\n\n— a bot in Slack');
  });

  it('names each mentioned person once', () => {
    expect(mentionedUserIds('<@U0ADA> <@U0BOB|bob> <@U0ADA> <#C0SALES>')).toEqual(['U0ADA', 'U0BOB']);
  });
});
