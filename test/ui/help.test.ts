import { describe, expect, it } from 'vitest';
import { DEAL_SUBCOMMAND_HELP } from '../../src/parse/deal-command.js';
import { helpMessage, usageMessage } from '../../src/ui/help.js';
import { assertWithinBlockKitLimits, mrkdwnTexts } from '../helpers/block-kit-limits.js';

describe('helpMessage', () => {
  it('shows an example for every subcommand', () => {
    const help = helpMessage(DEAL_SUBCOMMAND_HELP);
    assertWithinBlockKitLimits(help);
    const text = mrkdwnTexts(help).join('\n');
    for (const example of [
      '`/deal help`',
      '`/deal 42`',
      '`/deal show Acme renewal`',
      '`/deal find acme`',
      '`/deal new`',
      '`/deal new Acme renewal 12k EUR`',
      '`/deal move 42 to Proposal`',
      '`/deal won 42`',
      '`/deal lost 42 because no budget this year`',
      '`/deal reopen 42`',
      '`/deal timeline 42`',
    ]) {
      expect(text).toContain(example);
    }
  });
});

describe('usageMessage', () => {
  it('says what was wrong and what to type instead', () => {
    const usage = usageMessage('`flurb` is not a `/deal` command.', 'Did you mean `/deal find`?');
    assertWithinBlockKitLimits(usage);
    expect(usage.blocks[0]).toMatchObject({
      type: 'section',
      text: { text: '`flurb` is not a `/deal` command.\nDid you mean `/deal find`?' },
    });
    expect(usage.text).toBe('`flurb` is not a `/deal` command. Did you mean `/deal find`?');
    expect(mrkdwnTexts(usage).join('\n')).toContain('`/deal help`');
  });

  it('works without a suggestion', () => {
    const usage = usageMessage('Which deal? `/deal won 42`', null);
    assertWithinBlockKitLimits(usage);
    expect(usage.text).toBe('Which deal? `/deal won 42`');
  });

  it('keeps a very long problem within the section limit', () => {
    const usage = usageMessage('x'.repeat(5000), 'y'.repeat(5000));
    assertWithinBlockKitLimits(usage);
  });
});
