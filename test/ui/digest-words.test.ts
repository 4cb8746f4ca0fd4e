import { describe, expect, it } from 'vitest';
import { parseDigestCommand } from '../../src/parse/digest-command.js';
import { describeDigestProblem, DIGEST_USAGE } from '../../src/ui/digest-words.js';
import { digestUsageMessage } from '../../src/ui/digest-notices.js';
import { displayedText } from '../helpers/block-kit-limits.js';

const said = (args: string): string => {
  const parsed = parseDigestCommand(args, 'America/Chicago');
  if (parsed.kind !== 'invalid') throw new Error(`${args} parsed as ${parsed.kind}`);
  return describeDigestProblem(parsed.problem);
};

describe('describeDigestProblem', () => {
  it('answers each mistake with what to type instead', () => {
    const cases: Array<[string, RegExp]> = [
      ['hourly 09:00', /I don’t know `hourly` here\. Start with `daily`, `weekdays` or `weekly`/],
      ['daily 25:00', /`25:00` is not a time of day/],
      ['daily 13pm', /not a time of day/],
      ['daily 09:00 10:00', /one time of day, not `09:00` and `10:00`/],
      ['daily mon 09:00', /`daily` runs every day; for one day a week use `weekly mon 09:00`/],
      ['weekdays fri 09:00', /`weekdays` runs Monday to Friday/],
      ['weekly mon fri 09:00', /one day/],
      ['daily stale 0', /from 1 to 365/],
      ['daily 09:00 Europe/Berlln', /not a time zone I know\. Use an IANA name/],
      ['daily 09:00 Moon/Berlin', /Did you mean `Europe\/Berlin`\?/],
      ['daily 09:00 UTC+2', /daylight saving/],
      ['list everything', /takes nothing after it/],
    ];
    for (const [args, words] of cases) expect(said(args), args).toMatch(words);
  });

  it('echoes hostile input as literal text', () => {
    const text = said('<!channel> 09:00');
    expect(text).not.toContain('<!channel>');
    expect(displayedText(text)).toContain('<!channel>');
  });

  it('gives help as the usage, and every answer ends with the usage', () => {
    expect(said('help')).toContain('/pipeline digest daily 09:00 Europe/Berlin');
    expect(digestUsageMessage({ kind: 'two-days' }).text).toContain(DIGEST_USAGE.split('\n')[0]);
  });
});
