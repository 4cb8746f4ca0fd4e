import { describe, expect, it } from 'vitest';
import { parseDealCommand, parseDealRef, type DealCommand } from '../../src/parse/deal-command.js';

const id = (value: string) => ({ kind: 'id', id: value }) as const;
const words = (value: string) => ({ kind: 'words', words: value }) as const;

describe('parseDealCommand', () => {
  it.each<[string, DealCommand]>([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP me', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['--help', { kind: 'help' }],
    // a bare id shows the deal
    ['42', { kind: 'show', ref: id('42') }],
    ['#42', { kind: 'show', ref: id('42') }],
    ['  #42  ', { kind: 'show', ref: id('42') }],
    // show
    ['show 42', { kind: 'show', ref: id('42') }],
    ['Show #7', { kind: 'show', ref: id('7') }],
    ['show Acme renewal', { kind: 'show', ref: words('Acme renewal') }],
    ['show   Acme    renewal ', { kind: 'show', ref: words('Acme renewal') }],
    ['show "Acme renewal"', { kind: 'show', ref: words('Acme renewal') }],
    ['show “Acme renewal”', { kind: 'show', ref: words('Acme renewal') }],
    ['show 2026 renewal', { kind: 'show', ref: words('2026 renewal') }],
    // find
    ['find Acme', { kind: 'find', words: 'Acme' }],
    ['search acme corp', { kind: 'find', words: 'acme corp' }],
    // new
    ['new', { kind: 'new', line: null }],
    ['new Acme renewal 12k EUR', { kind: 'new', line: 'Acme renewal 12k EUR' }],
    ['create Acme', { kind: 'new', line: 'Acme' }],
    ['ADD Acme', { kind: 'new', line: 'Acme' }],
    // move
    ['move 42 to Proposal', { kind: 'move', ref: id('42'), stage: 'Proposal' }],
    ['MOVE #42 TO needs defined', { kind: 'move', ref: id('42'), stage: 'needs defined' }],
    ['move Acme renewal to Negotiation', { kind: 'move', ref: words('Acme renewal'), stage: 'Negotiation' }],
    ['move Road to Rome to Won', { kind: 'move', ref: words('Road to Rome'), stage: 'Won' }],
    ['move Toronto deal to Tomorrow', { kind: 'move', ref: words('Toronto deal'), stage: 'Tomorrow' }],
    ['move 42 → Proposal', { kind: 'move', ref: id('42'), stage: 'Proposal' }],
    ['move 42->Proposal', { kind: 'move', ref: id('42'), stage: 'Proposal' }],
    ['move Road to Rome -> Go to market', { kind: 'move', ref: words('Road to Rome'), stage: 'Go to market' }],
    ['move 42 to "Needs defined"', { kind: 'move', ref: id('42'), stage: 'Needs defined' }],
    // won, lost, reopen, timeline
    ['won 42', { kind: 'won', ref: id('42') }],
    ['win Acme renewal', { kind: 'won', ref: words('Acme renewal') }],
    ['lost 42', { kind: 'lost', ref: id('42'), reason: null }],
    ['lost 42 because too expensive', { kind: 'lost', ref: id('42'), reason: 'too expensive' }],
    ['lose Acme renewal because   no budget  ', { kind: 'lost', ref: words('Acme renewal'), reason: 'no budget' }],
    [
      'lost Acme Because went with a competitor because cheaper',
      { kind: 'lost', ref: words('Acme'), reason: 'went with a competitor because cheaper' },
    ],
    ['lost 42 because', { kind: 'lost', ref: id('42'), reason: null }],
    ['lost 42: price', { kind: 'lost', ref: id('42'), reason: 'price' }],
    ['lost #42 - went dark', { kind: 'lost', ref: id('42'), reason: 'went dark' }],
    ['lost Acme - renewal', { kind: 'lost', ref: words('Acme - renewal'), reason: null }],
    ['lost Acme: Q3', { kind: 'lost', ref: words('Acme: Q3'), reason: null }],
    ['reopen 42', { kind: 'reopen', ref: id('42') }],
    ['open Acme', { kind: 'reopen', ref: words('Acme') }],
    ['timeline 42', { kind: 'timeline', ref: id('42') }],
    ['history Acme renewal', { kind: 'timeline', ref: words('Acme renewal') }],
    // Slack escapes and markup
    ['show AT&amp;T renewal', { kind: 'show', ref: words('AT&T renewal') }],
    ['show &lt;b&gt; deal', { kind: 'show', ref: words('<b> deal') }],
    ['show &amp;lt;', { kind: 'show', ref: words('&lt;') }],
    ['new Deal for <@U123|ada> 12k', { kind: 'new', line: 'Deal for @ada 12k' }],
    ['new Deal for <@U123>', { kind: 'new', line: 'Deal for @U123' }],
    ['new From <#C123|sales>', { kind: 'new', line: 'From #sales' }],
    ['new Ping <!channel>', { kind: 'new', line: 'Ping @channel' }],
    ['new See <https://acme.example/x|the brief>', { kind: 'new', line: 'See the brief' }],
    ['new See <https://acme.example/x>', { kind: 'new', line: 'See https://acme.example/x' }],
    ['find &lt;!channel&gt;', { kind: 'find', words: '<!channel>' }],
    // unicode
    ['show Müller Ölpumpen 🚀', { kind: 'show', ref: words('Müller Ölpumpen 🚀') }],
    ['move 東京 商談 to 提案', { kind: 'move', ref: words('東京 商談'), stage: '提案' }],
  ])('%j', (text, command) => {
    expect(parseDealCommand(text)).toEqual(command);
  });

  describe('says what is missing', () => {
    it.each([
      ['show', 'show', 'Which deal? `/deal show 42` or `/deal show Acme renewal`'],
      ['won', 'won', 'Which deal? `/deal won 42` or `/deal won Acme renewal`'],
      ['win   ', 'won', 'Which deal? `/deal won 42` or `/deal won Acme renewal`'],
      ['reopen ""', 'reopen', 'Which deal? `/deal reopen 42` or `/deal reopen Acme renewal`'],
      ['timeline', 'timeline', 'Which deal? `/deal timeline 42` or `/deal timeline Acme renewal`'],
      ['lost', 'lost', 'Which deal? `/deal lost 42 because no budget` or `/deal lost Acme renewal`'],
      ['lost because budget', 'lost', 'Which deal? `/deal lost 42 because no budget` or `/deal lost Acme renewal`'],
      ['find', 'find', 'What should I look for? `/deal find Acme`'],
      ['move', 'move', 'Which deal, and to which stage? `/deal move 42 to Proposal`'],
      ['move 42', 'move', 'Tell me the stage: `/deal move 42 to Proposal`'],
      ['move #42 to', 'move', 'Tell me the stage: `/deal move 42 to Proposal`'],
      ['move Acme renewal', 'move', 'Tell me the stage: `/deal move Acme renewal to Proposal`'],
      ['move to Won', 'move', 'Which deal? `/deal move 42 to Won`'],
      ['move -> Won', 'move', 'Which deal? `/deal move 42 to Won`'],
    ])('%j', (text, subcommand, problem) => {
      expect(parseDealCommand(text)).toEqual({ kind: 'invalid', subcommand, problem, suggestion: null });
    });
  });

  describe('answers an unknown subcommand with what was probably meant', () => {
    it.each([
      ['mvoe 42 to Won', 'Did you mean `/deal move 42 to Won`?'],
      ['moev 42 to Won', 'Did you mean `/deal move 42 to Won`?'],
      ['wonn 42', 'Did you mean `/deal won 42`?'],
      ['tiemline 42', 'Did you mean `/deal timeline 42`?'],
      ['histroy 42', 'Did you mean `/deal timeline 42`?'],
      ['serach acme', 'Did you mean `/deal find acme`?'],
      ['hlep', 'Did you mean `/deal help`?'],
      ['mov 42 to Won', 'Did you mean `/deal move 42 to Won`?'],
      ['s', 'Did you mean `/deal show` or `/deal find`?'],
      ['Acme renewal', 'To open a deal by its title: `/deal show Acme renewal`'],
      ['Wine shop', 'Did you mean `/deal won shop` or `/deal show Wine shop`?'],
      ['Acme &amp; Co', 'To open a deal by its title: `/deal show Acme &amp; Co`'],
      ['<!channel> deal', 'To open a deal by its title: `/deal show @channel deal`'],
      ['&lt;!channel&gt; deal', 'To open a deal by its title: `/deal show &lt;!channel&gt; deal`'],
      ['`rm -rf` deal', "To open a deal by its title: `/deal show 'rm -rf' deal`"],
      ['42 43', null],
      ['!!!', null],
    ])('%j', (text, suggestion) => {
      const command = parseDealCommand(text);
      expect(command).toMatchObject({ kind: 'invalid', subcommand: null, suggestion });
      expect(command.kind === 'invalid' && command.problem).toMatch(/is not a `\/deal` command\.$/);
    });

    it('quotes the unknown word back, escaped and without breaking its code span', () => {
      expect(parseDealCommand('&lt;b&gt;x 1')).toMatchObject({ problem: '`&lt;b&gt;x` is not a `/deal` command.' });
      expect(parseDealCommand('a`b 1')).toMatchObject({ problem: "`a'b` is not a `/deal` command." });
    });

    it('keeps problem and suggestion short on very long input', () => {
      const command = parseDealCommand(`Acme ${'x'.repeat(100_000)}`);
      expect(command.kind).toBe('invalid');
      if (command.kind !== 'invalid') return;
      expect(command.problem.length).toBeLessThan(120);
      expect(command.suggestion?.length).toBeLessThan(150);
    });
  });

  it('reads control characters and odd whitespace as spaces', () => {
    expect(parseDealCommand('move\t42\nto\u00a0Won')).toEqual({ kind: 'move', ref: id('42'), stage: 'Won' });
    expect(parseDealCommand('\u200bshow 42')).toEqual({ kind: 'show', ref: id('42') });
  });
});

describe('parseDealRef', () => {
  it.each([
    ['123', id('123')],
    ['#123', id('123')],
    [' 123 ', id('123')],
    ['"123"', id('123')],
    ['Acme renewal', words('Acme renewal')],
    ['  Acme   renewal ', words('Acme renewal')],
    ['#123 Acme', words('#123 Acme')],
    ['12k', words('12k')],
    ['', words('')],
  ])('%j', (text, ref) => {
    expect(parseDealRef(text)).toEqual(ref);
  });
});
