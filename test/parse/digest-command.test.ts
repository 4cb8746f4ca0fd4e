import { describe, expect, it } from 'vitest';
import { parseDigestCommand, readTimeOfDay } from '../../src/parse/digest-command.js';
import { displayedText } from '../helpers/block-kit-limits.js';

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
    expect(parse('weekdays 08:30')).toMatchObject({ kind: 'set', frequency: { kind: 'weekdays' }, time: '08:30', zone: ZONE, zoneGiven: false });
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

  it('answers mistakes with what to type instead', () => {
    const cases: Array<[string, RegExp]> = [
      ['hourly 09:00', /Start with `daily`, `weekdays` or `weekly`/],
      ['daily 25:00', /not a time of day/],
      ['daily 13pm', /not a time of day/],
      ['daily 09:00 10:00', /one time of day/],
      ['daily mon 09:00', /weekly mon 09:00/],
      ['weekly mon fri 09:00', /one day/],
      ['daily 09:00 Europe/Berlln', /not a time zone I know/],
      ['daily 09:00 Moon/Berlin', /Did you mean `Europe\/Berlin`\?/],
      ['daily 09:00 UTC+2', /daylight saving/],
      ['list everything', /takes nothing after it/],
    ];
    for (const [args, problem] of cases) {
      const parsed = parse(args);
      expect(parsed.kind, args).toBe('invalid');
      if (parsed.kind === 'invalid') expect(parsed.problem, args).toMatch(problem);
    }
  });

  it('echoes hostile input as literal text', () => {
    const parsed = parse('<!channel> 09:00');
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind !== 'invalid') return;
    expect(parsed.problem).not.toContain('<!channel>');
    expect(displayedText(parsed.problem)).toContain('<!channel>');
  });

  it('gives help as the usage', () => {
    const parsed = parse('help');
    expect(parsed).toMatchObject({ kind: 'invalid' });
    if (parsed.kind === 'invalid') expect(parsed.problem).toContain('/pipeline digest daily 09:00 Europe/Berlin');
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
