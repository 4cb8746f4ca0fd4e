import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { dealUnfurl } from '../../src/ui/deal-unfurl.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { assertWithinBlockKitLimits, displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';

const now = DateTime.fromISO('2026-12-02T12:00:00', { zone: 'Europe/Berlin' });
const at = DateTime.fromISO('2026-11-01T10:00:00Z');

describe('dealUnfurl', () => {
  it('shows a lost deal with its reason, and an overdue close', () => {
    const deal = buildDeal({
      id: '7',
      title: 'Globex pilot',
      status: 'lost',
      lostReason: 'Price',
      expectedCloseDate: '2026-11-20',
      createdAt: at,
      updatedAt: at,
    });
    const text = mrkdwnTexts(dealUnfurl({ deal, stage: null, pipeline: null, owner: null, crmName: 'Productive', now }).blocks)
      .map(displayedText)
      .join('\n');
    expect(text).toContain('*Globex pilot*');
    expect(text).toContain('Lost: Price');
    expect(text).toContain('Productive deal #7');
    expect(text).not.toContain('overdue');
  });

  it('stays within Block Kit’s limits with hostile and huge text', () => {
    const huge = `<!channel> *${'x'.repeat(10_000)}*`;
    const deal = buildDeal({
      id: '9'.repeat(60),
      title: huge,
      status: 'lost',
      lostReason: huge,
      organization: { id: 'o', name: huge },
      expectedCloseDate: '2026-12-01',
      createdAt: at,
      updatedAt: at,
    });
    const { blocks } = dealUnfurl({
      deal,
      stage: { id: 's', pipelineId: 'p', name: huge, order: 1, probability: null },
      pipeline: { id: 'p', name: huge, order: 1, isDefault: true },
      owner: { id: 'u', name: huge, email: null, active: true },
      crmName: 'Pipedrive',
      now,
    });
    assertWithinBlockKitLimits(blocks);
    expect(JSON.stringify(blocks)).not.toContain('<!channel>');
  });
});
