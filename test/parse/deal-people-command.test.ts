import { describe, expect, it } from 'vitest';
import { parseDealCommand } from '../../src/parse/deal-command.js';

describe('/deal link, unlink, connect, disconnect, audit', () => {
  it('reads a mention as Slack escapes it, with the CRM email after it', () => {
    expect(parseDealCommand('link <@U0MAX|max> Max@Example.com')).toEqual({ kind: 'link', slackUserId: 'U0MAX', email: 'Max@Example.com' });
    expect(parseDealCommand('link <@W0ORG> <mailto:max@example.com|max@example.com>')).toEqual({
      kind: 'link',
      slackUserId: 'W0ORG',
      email: 'max@example.com',
    });
    expect(parseDealCommand('link U0MAX max@example.com')).toMatchObject({ kind: 'link', slackUserId: 'U0MAX' });
  });

  it('lists links with nothing after `link`, or `link list`', () => {
    expect(parseDealCommand('link')).toEqual({ kind: 'link-list' });
    expect(parseDealCommand('link list')).toEqual({ kind: 'link-list' });
  });

  it('says what is missing: the person (a bare @name carries no id), or the email', () => {
    expect(parseDealCommand('link @max max@example.com')).toMatchObject({
      kind: 'invalid',
      subcommand: 'link',
      problem: expect.stringContaining('Mention them'),
    });
    expect(parseDealCommand('link <@U0MAX|max>')).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('Which CRM email') });
    expect(parseDealCommand('link <@U0MAX|max> not-an-email')).toMatchObject({
      kind: 'invalid',
      problem: expect.stringContaining('is not an email address'),
    });
  });

  it('unlinks one mentioned person', () => {
    expect(parseDealCommand('unlink <@U0MAX|max>')).toEqual({ kind: 'unlink', slackUserId: 'U0MAX' });
    expect(parseDealCommand('unlink')).toMatchObject({ kind: 'invalid', subcommand: 'unlink' });
    expect(parseDealCommand('unlink <@U0MAX|max> and more')).toMatchObject({ kind: 'invalid', subcommand: 'unlink' });
  });

  it('connect, disconnect, and the audit of all deals or one', () => {
    expect(parseDealCommand('connect')).toEqual({ kind: 'connect' });
    expect(parseDealCommand('disconnect')).toEqual({ kind: 'disconnect' });
    expect(parseDealCommand('audit')).toEqual({ kind: 'audit', deal: null });
    expect(parseDealCommand('audit #42')).toEqual({ kind: 'audit', deal: { kind: 'id', id: '42' } });
    expect(parseDealCommand('audit Acme renewal')).toEqual({ kind: 'audit', deal: { kind: 'words', words: 'Acme renewal' } });
  });
});
