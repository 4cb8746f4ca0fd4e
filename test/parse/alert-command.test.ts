import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEAL_EVENT_KINDS } from '../../src/domain/deal-events.js';
import { parseAlertCommand, type AlertCommand } from '../../src/parse/alert-command.js';

const ZONE = 'Europe/Berlin';
const parse = (args: string) => parseAlertCommand(args, ZONE);
const problem = (args: string) => {
  const parsed = parse(args);
  if (parsed.kind !== 'invalid') throw new Error(`expected a problem for ${args}, got ${JSON.stringify(parsed)}`);
  return parsed.problem;
};

describe('parseAlertCommand', () => {
  it('opens the modal with nothing after `alerts`', () => {
    expect(parse('')).toEqual({ kind: 'settings' });
    expect(parse('  ')).toEqual({ kind: 'settings' });
    expect(parse('settings')).toEqual({ kind: 'settings' });
  });

  it('reads the issue’s quick forms', () => {
    expect(parse('all')).toEqual({
      kind: 'set',
      events: [...DEAL_EVENT_KINDS],
      pipeline: null,
      toStages: [],
      minValue: null,
      owner: null,
      delivery: { kind: 'each' },
      quietHours: null,
      threadPerDeal: false,
    });
    expect(parse('won lost')).toMatchObject({ kind: 'set', events: ['won', 'lost'], pipeline: null, minValue: null });
    expect(parse('moved won in Sales over 10k')).toMatchObject({
      kind: 'set',
      events: ['moved', 'won'],
      pipeline: 'Sales',
      minValue: { amount: 10_000, currency: null },
    });
  });

  it('knows every event by its usual words', () => {
    expect(parse('new')).toMatchObject({ events: ['created'] });
    expect(parse('created deals')).toMatchObject({ events: ['created'] });
    expect(parse('moves')).toMatchObject({ events: ['moved'] });
    expect(parse('reopened')).toMatchObject({ events: ['reopened'] });
    expect(parse('value changes')).toMatchObject({ events: ['value'] });
    expect(parse('pushed')).toMatchObject({ events: ['closeDatePushed'] });
    expect(parse('close date pushed')).toMatchObject({ events: ['closeDatePushed'] });
    expect(parse('when deals are won, lost or reopened')).toMatchObject({ events: ['won', 'lost', 'reopened'] });
    // The order is always the vocabulary's, whatever was typed.
    expect(parse('lost and won and new')).toMatchObject({ events: ['created', 'won', 'lost'] });
  });

  it('means every event when only filters are given', () => {
    expect(parse('in Partnerships')).toMatchObject({ events: [...DEAL_EVENT_KINDS], pipeline: 'Partnerships' });
  });

  it('reads pipeline names of several words, quoted or not, ending at the next clause or event', () => {
    expect(parse('won in Sales EU over 5k')).toMatchObject({ pipeline: 'Sales EU', minValue: { amount: 5000 } });
    expect(parse('in Sales won lost')).toMatchObject({ pipeline: 'Sales', events: ['won', 'lost'] });
    expect(parse('won in "New business"')).toMatchObject({ pipeline: 'New business', events: ['won'] });
    expect(parse('won in New business')).toMatchObject({ pipeline: 'New business' });
  });

  it('reads amounts with currencies, separators and magnitudes', () => {
    expect(parse('won over €10,000')).toMatchObject({ minValue: { amount: 10_000, currency: 'EUR' } });
    expect(parse('won above 1.5m')).toMatchObject({ minValue: { amount: 1_500_000, currency: null } });
    expect(parse('won >= 10k')).toMatchObject({ minValue: { amount: 10_000 } });
    expect(parse('won >=10k')).toMatchObject({ minValue: { amount: 10_000 } });
    expect(parse('won over 10k EUR')).toMatchObject({ minValue: { amount: 10_000, currency: 'EUR' } });
    expect(parse('won at least 2500')).toMatchObject({ minValue: { amount: 2500 } });
    expect(parse('won more than $500 in Sales')).toMatchObject({ minValue: { amount: 500, currency: 'USD' }, pipeline: 'Sales' });
  });

  it('reads `to <stage>` as moved into those stages', () => {
    expect(parse('to Negotiation')).toMatchObject({ events: ['moved'], toStages: ['Negotiation'] });
    expect(parse('moved to Proposal, Negotiation won')).toMatchObject({ events: ['moved', 'won'], toStages: ['Proposal', 'Negotiation'] });
    expect(parse('moved to Proposal or Negotiation in Sales')).toMatchObject({
      toStages: ['Proposal', 'Negotiation'],
      pipeline: 'Sales',
    });
    expect(parse('moved to "Needs defined" and won')).toMatchObject({ toStages: ['Needs defined'], events: ['moved', 'won'] });
    expect(parse('moved into Contract sent over 1k')).toMatchObject({ toStages: ['Contract sent'], minValue: { amount: 1000 } });
  });

  it('reads the owner: me, or a name', () => {
    expect(parse('won by me')).toMatchObject({ owner: { kind: 'me' } });
    expect(parse('my won deals')).toMatchObject({ owner: { kind: 'me' }, events: ['won'] });
    expect(parse('won by @ada')).toMatchObject({ owner: { kind: 'named', name: 'ada' } });
    expect(parse('lost owned by Ada Lovelace in Sales')).toMatchObject({
      owner: { kind: 'named', name: 'Ada Lovelace' },
      pipeline: 'Sales',
    });
  });

  it('reads the delivery: each event, or batched every N minutes', () => {
    expect(parse('all batched 15m')).toMatchObject({ delivery: { kind: 'batched', everyMinutes: 15 } });
    expect(parse('all batched every 30 minutes')).toMatchObject({ delivery: { kind: 'batched', everyMinutes: 30 } });
    expect(parse('all every 15 minutes')).toMatchObject({ delivery: { kind: 'batched', everyMinutes: 15 } });
    expect(parse('all every hour')).toMatchObject({ delivery: { kind: 'batched', everyMinutes: 60 } });
    expect(parse('all hourly')).toMatchObject({ delivery: { kind: 'batched', everyMinutes: 60 } });
    expect(parse('all every 2h')).toMatchObject({ delivery: { kind: 'batched', everyMinutes: 120 } });
    expect(parse('all each')).toMatchObject({ delivery: { kind: 'each' } });
  });

  it('reads quiet hours with or without a zone, the person’s zone by default', () => {
    expect(parse('all quiet 22:00-07:00')).toMatchObject({ quietHours: { from: '22:00', to: '07:00', zone: ZONE, zoneGiven: false } });
    expect(parse('all quiet 22:00-07:00 america/new_york')).toMatchObject({
      quietHours: { from: '22:00', to: '07:00', zone: 'America/New_York', zoneGiven: true },
    });
    expect(parse('all quiet 10pm-7am')).toMatchObject({ quietHours: { from: '22:00', to: '07:00' } });
    expect(parse('all quiet 22-7')).toMatchObject({ quietHours: { from: '22:00', to: '07:00' } });
    expect(parse('all quiet from 22:00 to 07:00 in Sales')).toMatchObject({
      quietHours: { from: '22:00', to: '07:00' },
      pipeline: 'Sales',
    });
    expect(parse('all quiet hours 12:00–13:30 UTC')).toMatchObject({ quietHours: { from: '12:00', to: '13:30', zone: 'UTC' } });
  });

  it('reads one thread per deal', () => {
    expect(parse('all thread')).toMatchObject({ threadPerDeal: true });
    expect(parse('won lost one thread per deal')).toMatchObject({ threadPerDeal: true, events: ['won', 'lost'] });
  });

  it('reads everything at once, in any order', () => {
    expect(parse('thread quiet 22:00-07:00 UTC batched 15m moved to Proposal won in Sales over 10k by me')).toEqual({
      kind: 'set',
      events: ['moved', 'won'],
      pipeline: 'Sales',
      toStages: ['Proposal'],
      minValue: { amount: 10_000, currency: null },
      owner: { kind: 'me' },
      delivery: { kind: 'batched', everyMinutes: 15 },
      quietHours: { from: '22:00', to: '07:00', zone: 'UTC', zoneGiven: true },
      threadPerDeal: true,
    } satisfies AlertCommand);
  });

  it('reads list, off and help', () => {
    expect(parse('list')).toEqual({ kind: 'list' });
    expect(parse('off')).toEqual({ kind: 'off', which: null });
    expect(parse('off 2')).toEqual({ kind: 'off', which: 2 });
    expect(parse('off #3')).toEqual({ kind: 'off', which: 3 });
    expect(parse('off all')).toEqual({ kind: 'off', which: 'all' });
    expect(parse('stop all')).toEqual({ kind: 'off', which: 'all' });
    expect(problem('help')).toEqual({ kind: 'help' });
  });

  it('names each mistake', () => {
    expect(problem('list 2')).toEqual({ kind: 'list-takes-nothing' });
    expect(problem('off two')).toEqual({ kind: 'bad-off', typed: 'two' });
    expect(problem('off 0')).toEqual({ kind: 'bad-off', typed: '0' });
    expect(problem('wonn')).toEqual({ kind: 'unknown-word', word: 'wonn' });
    expect(problem('Sales')).toEqual({ kind: 'unknown-word', word: 'Sales' });
    expect(problem('won in')).toEqual({ kind: 'missing', clause: 'pipeline' });
    expect(problem('won over')).toEqual({ kind: 'missing', clause: 'amount' });
    expect(problem('won over lots')).toEqual({ kind: 'bad-amount', typed: 'lots' });
    expect(problem('moved to')).toEqual({ kind: 'missing', clause: 'stage' });
    expect(problem('won by')).toEqual({ kind: 'missing', clause: 'owner' });
    expect(problem('all batched soon')).toEqual({ kind: 'bad-batch', typed: 'soon', min: 1, max: 1440 });
    expect(problem('all every 0 minutes')).toMatchObject({ kind: 'bad-batch' });
    expect(problem('all every 3000 minutes')).toMatchObject({ kind: 'bad-batch' });
    expect(problem('all quiet at night')).toMatchObject({ kind: 'bad-quiet' });
    expect(problem('all quiet 25:00-07:00')).toMatchObject({ kind: 'bad-quiet' });
    expect(problem('all quiet 22:00-22:00')).toMatchObject({ kind: 'bad-quiet' });
    expect(problem('all quiet 22:00-07:00 Mars/Olympus')).toEqual({ kind: 'unknown-zone', typed: 'Mars/Olympus', hint: { kind: 'none' } });
    expect(problem('all quiet 22:00-07:00 Moon/Berlin')).toEqual({
      kind: 'unknown-zone',
      typed: 'Moon/Berlin',
      hint: { kind: 'did-you-mean', zone: 'Europe/Berlin' },
    });
    expect(problem('all quiet 22:00-07:00 +2')).toEqual({ kind: 'unknown-zone', typed: '+2', hint: { kind: 'offset' } });
    expect(problem('all in Sales in Partners')).toEqual({ kind: 'twice', clause: 'pipeline' });
    expect(problem('all over 1k over 2k')).toEqual({ kind: 'twice', clause: 'amount' });
    expect(problem('all batched 5m hourly')).toEqual({ kind: 'twice', clause: 'delivery' });
  });

  it('is total: any text gives a command', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseAlertCommand(text, ZONE);
        expect(['set', 'list', 'off', 'settings', 'invalid']).toContain(parsed.kind);
      }),
      { numRuns: 500 },
    );
  });
});
