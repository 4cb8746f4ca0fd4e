import { describe, expect, it } from 'vitest';
import { readTimeOfDay } from '../../src/domain/digest-schedule.js';
import { parseDigestCommand, type DigestProblem } from '../../src/parse/digest-command.js';

const ZONE = 'America/Chicago';
const parse = (args: string) => parseDigestCommand(args, ZONE);

describe('parseDigestCommand', () => {
  it('opens the settings with nothing after `digest`', () => {
    expect(parse('')).toEqual({ kind: 'settings' });
    expect(parse('   ')).toEqual({ kind: 'settings' });
    expect(parse('settings')).toEqual({ kind: 'settings' });
  });

  it('reads the issue’s three examples', () => {
    expect(parse('daily 09:00 Europe/Berlin')).toEqual({
      kind: 'set',
      frequency: { kind: 'daily' },
      time: '09:00',
      zone: 'Europe/Berlin',
      zoneGiven: true,
      pipeline: null,
      staleDays: null,
    });
    expect(parse('weekdays 08:30')).toMatchObject({
      kind: 'set',
      frequency: { kind: 'weekdays' },
      time: '08:30',
      zone: ZONE,
      zoneGiven: false,
    });
    expect(parse('weekly mon 09:00')).toMatchObject({ kind: 'set', frequency: { kind: 'weekly', day: 'mon' }, time: '09:00', zone: ZONE });
  });

  it('takes the pipeline name from the words left over, in any order', () => {
    expect(parse('daily 09:00 Europe/Berlin Sales EU')).toMatchObject({ pipeline: 'Sales EU', zone: 'Europe/Berlin' });
    expect(parse('daily Sales EU at 9am')).toMatchObject({ pipeline: 'Sales EU', time: '09:00' });
    expect(parse('weekly on friday at 5:30pm for Partners')).toMatchObject({
      frequency: { kind: 'weekly', day: 'fri' },
      time: '17:30',
      pipeline: 'Partners',
    });
    expect(parse('daily 09:00 "EU/US deals"')).toMatchObject({ pipeline: 'EU/US deals' });
    expect(parse('daily 09:00 “Sales 2026”')).toMatchObject({ pipeline: 'Sales 2026' });
  });

  it('writes zones the canonical way and falls back to the person’s Slack zone', () => {
    expect(parse('daily 09:00 europe/berlin')).toMatchObject({ zone: 'Europe/Berlin', zoneGiven: true });
    expect(parse('daily 09:00 utc')).toMatchObject({ zone: 'UTC' });
    expect(parseDigestCommand('daily 09:00', 'Not/AZone')).toMatchObject({ zone: 'UTC', zoneGiven: false });
  });

  it('fills in 09:00 and Monday when they are left out', () => {
    expect(parse('daily')).toMatchObject({ time: '09:00', frequency: { kind: 'daily' } });
    expect(parse('weekly 10:00')).toMatchObject({ frequency: { kind: 'weekly', day: 'mon' }, time: '10:00' });
    expect(parse('every monday 8am')).toMatchObject({ frequency: { kind: 'weekly', day: 'mon' }, time: '08:00' });
    expect(parse('every day 18:15')).toMatchObject({ frequency: { kind: 'daily' }, time: '18:15' });
    expect(parse('tuesday 07:45')).toMatchObject({ frequency: { kind: 'weekly', day: 'tue' }, time: '07:45' });
  });

  it('reads how many days make a deal stale', () => {
    expect(parse('daily 09:00 stale 21')).toMatchObject({ staleDays: 21, pipeline: null });
    expect(parse('daily 09:00 stale=7 Sales')).toMatchObject({ staleDays: 7, pipeline: 'Sales' });
    expect(parse('daily 09:00 stale 30 days Sales')).toMatchObject({ staleDays: 30, pipeline: 'Sales' });
    expect(parse('daily 09:00 stale 0')).toMatchObject({ kind: 'invalid' });
  });

  it('reads list, off and now', () => {
    expect(parse('list')).toEqual({ kind: 'list' });
    expect(parse('off')).toEqual({ kind: 'off', pipeline: null });
    expect(parse('off Partners')).toEqual({ kind: 'off', pipeline: 'Partners' });
    expect(parse('now')).toEqual({ kind: 'now', pipeline: null });
    expect(parse('NOW Sales EU')).toEqual({ kind: 'now', pipeline: 'Sales EU' });
  });

  it('names each mistake with what was typed (ui/digest-words.ts says it)', () => {
    const cases: Array<[string, DigestProblem]> = [
      ['hourly 09:00', { kind: 'unknown-word', word: 'hourly' }],
      ['daily 25:00', { kind: 'bad-time', typed: '25:00' }],
      ['daily 13pm', { kind: 'bad-time', typed: '13pm' }],
      ['daily 09:00 10:00', { kind: 'two-times', first: '09:00', second: '10:00' }],
      ['daily mon 09:00', { kind: 'day-without-weekly', frequency: 'daily', day: 'mon' }],
      ['weekly mon fri 09:00', { kind: 'two-days' }],
      ['daily stale 0', { kind: 'bad-stale-days' }],
      ['daily 09:00 Europe/Berlln', { kind: 'unknown-zone', typed: 'Europe/Berlln', hint: { kind: 'none' } }],
      ['daily 09:00 Moon/Berlin', { kind: 'unknown-zone', typed: 'Moon/Berlin', hint: { kind: 'did-you-mean', zone: 'Europe/Berlin' } }],
      ['daily 09:00 UTC+2', { kind: 'unknown-zone', typed: 'UTC+2', hint: { kind: 'offset' } }],
      ['list everything', { kind: 'list-takes-nothing' }],
      ['help', { kind: 'help' }],
    ];
    for (const [args, problem] of cases) expect(parse(args), args).toEqual({ kind: 'invalid', problem });
  });
});

describe('readTimeOfDay', () => {
  it('reads the ways people write a time', () => {
    expect(readTimeOfDay('9:00')).toBe('09:00');
    expect(readTimeOfDay(' 09:30 ')).toBe('09:30');
    expect(readTimeOfDay('9am')).toBe('09:00');
    expect(readTimeOfDay('12am')).toBe('00:00');
    expect(readTimeOfDay('12:15 pm')).toBe('12:15');
    expect(readTimeOfDay('9:30 P.M.')).toBe('21:30');
    expect(readTimeOfDay('21h')).toBe('21:00');
    expect(readTimeOfDay('24:00')).toBe('bad');
    expect(readTimeOfDay('9')).toBeNull();
    expect(readTimeOfDay('noon')).toBeNull();
  });
});
