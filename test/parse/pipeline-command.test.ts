import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePipelineCommand } from '../../src/parse/pipeline-command.js';

const timeline = (unit: string, count: number, by: string) => ({ kind: 'timeline', unit, count, by });

describe('parsePipelineCommand', () => {
  it('shows the default pipeline’s board for an empty command', () => {
    expect(parsePipelineCommand('')).toEqual({ kind: 'board', pipeline: null });
    expect(parsePipelineCommand('   ')).toEqual({ kind: 'board', pipeline: null });
  });

  it('reads anything else as the name of a pipeline, tidied', () => {
    expect(parsePipelineCommand('  Sales   EU ')).toEqual({ kind: 'board', pipeline: 'Sales EU' });
    expect(parsePipelineCommand('“Partner deals”')).toEqual({ kind: 'board', pipeline: 'Partner deals' });
    expect(parsePipelineCommand('board Timeline')).toEqual({ kind: 'board', pipeline: 'Timeline' });
    expect(parsePipelineCommand('show')).toEqual({ kind: 'board', pipeline: null });
  });

  it('turns Slack markup in a name back into the text a person saw', () => {
    expect(parsePipelineCommand('R&amp;D &lt;new&gt;')).toEqual({ kind: 'board', pipeline: 'R&D <new>' });
    expect(parsePipelineCommand('<#C123|sales>')).toEqual({ kind: 'board', pipeline: '#sales' });
  });

  it.each(['help', 'HELP', '?', '--help'])('answers %s with help', (text) => {
    expect(parsePipelineCommand(text)).toEqual({ kind: 'help' });
  });

  it('keeps what follows "digest" for the digest feature', () => {
    expect(parsePipelineCommand('digest weekly mon 9:00 Europe/Berlin')).toEqual({ kind: 'digest', args: 'weekly mon 9:00 Europe/Berlin' });
    expect(parsePipelineCommand('Digest')).toEqual({ kind: 'digest', args: '' });
  });

  it('defaults the timeline to 6 months by expected close', () => {
    expect(parsePipelineCommand('timeline')).toEqual(timeline('month', 6, 'close'));
  });

  it.each([
    ['timeline week', timeline('week', 6, 'close')],
    ['timeline quarter 4', timeline('quarter', 4, 'close')],
    ['timeline 4 quarters', timeline('quarter', 4, 'close')],
    ['timeline by won', timeline('month', 6, 'won')],
    ['timeline won 3 quarter', timeline('quarter', 3, 'won')],
    ['timeline by created week 12', timeline('week', 12, 'created')],
    ['timeline 12w created', timeline('week', 12, 'created')],
    ['TIMELINE Monthly 24 by Close', timeline('month', 24, 'close')],
    ['timeline last 8 weeks by won', timeline('week', 8, 'won')],
    ['timeline month, 1, by created', timeline('month', 1, 'created')],
  ])('reads "%s" in any order', (text, expected) => {
    expect(parsePipelineCommand(text)).toEqual(expected);
  });

  it.each([
    ['timeline 0', /between 1 and 24/],
    ['timeline 25', /between 1 and 24/],
    ['timeline week month', /one period length/],
    ['timeline won created', /one date/],
    ['timeline 3 4', /one number/],
    ['timeline fortnight', /`fortnight`/],
  ])('explains what is wrong with "%s"', (text, problem) => {
    const parsed = parsePipelineCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toMatch(problem);
  });

  it('escapes what it echoes back', () => {
    const parsed = parsePipelineCommand('timeline <!channel>');
    expect(parsed.kind).toBe('invalid');
    const problem = parsed.kind === 'invalid' ? parsed.problem : '';
    expect(problem).not.toContain('<!');
    expect(problem).toContain('@channel');
  });

  it('answers any text without throwing, and a timeline count is always 1–24', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), (a, b) => {
        for (const text of [a, `timeline ${b}`]) {
          const parsed = parsePipelineCommand(text);
          if (parsed.kind === 'timeline') expect(parsed.count >= 1 && parsed.count <= 24).toBe(true);
          if (parsed.kind === 'invalid') expect(parsed.problem).not.toMatch(/<(?![@#])/);
        }
      }),
    );
  });
});
