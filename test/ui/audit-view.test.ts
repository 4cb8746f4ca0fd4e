import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/services/audit-trail.js';
import { auditMessage, auditTimelineText, viaDealbotNote } from '../../src/ui/audit-view.js';
import { connectModal, linkListMessage } from '../../src/ui/link-notices.js';
import { assertWithinBlockKitLimits, mrkdwnTexts } from '../helpers/block-kit-limits.js';

const HOSTILE = '<!channel> *bold* _it_ <https://evil.example|click> & `code`';

function entry(over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: 'a1',
    at: '2026-11-16T09:00:00.000Z',
    op: 'move',
    slackUserId: 'U0MAX',
    slackName: 'Max',
    crmUserId: '7',
    dealId: '42',
    dealTitle: 'Acme renewal',
    changes: [{ field: 'stage', from: 'Qualified', to: 'Proposal' }],
    channelId: 'C0SALES',
    credential: 'shared',
    ...over,
  };
}

describe('audit view', () => {
  it('says who, which CRM user, what changed from → to, where, when and with which credential', () => {
    const text = mrkdwnTexts(
      auditMessage({ entries: [entry(), entry({ op: 'won', credential: 'own', changes: [] })], deal: null, crmName: 'Pipedrive' }),
    ).join('\n');
    expect(text).toContain(
      '<@U0MAX> (CRM user #7) · moved *Acme renewal* (#42): stage *Qualified* → *Proposal* in <#C0SALES> · the shared credential',
    );
    expect(text).toContain('marked won *Acme renewal* (#42) in <#C0SALES> · their own credential');
    expect(text).toContain('<!date^1794819600^');
  });

  it('keeps hostile titles, values and notes as text, and stays within Block Kit limits with many long entries', () => {
    const entries = Array.from({ length: 60 }, (_, i) =>
      entry({
        id: String(i),
        // (A channel mention `<#C…>` is real Slack markup the limit checker does not know.)
        channelId: null,
        dealTitle: HOSTILE.repeat(10),
        changes: [
          { field: 'title', from: HOSTILE.repeat(5), to: HOSTILE.repeat(5) },
          { field: 'note', from: null, to: HOSTILE.repeat(20) },
        ],
      }),
    );
    const message = auditMessage({ entries, deal: null, crmName: 'Pipedrive' });
    assertWithinBlockKitLimits(message.blocks);
    for (const text of mrkdwnTexts(message.blocks)) {
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://evil.example');
    }
    const timeline = auditTimelineText(entries) ?? '';
    expect(timeline).not.toContain('<!channel>');
    expect(timeline.split('\n')).toHaveLength(1 + 5);
  });

  it('the timeline lines: who really did it, via Dealbot', () => {
    expect(auditTimelineText([entry({ op: 'won', changes: [{ field: 'status', from: 'open', to: 'won' }] })])).toContain(
      '🏆 Marked won by <@U0MAX> via Dealbot · <!date^',
    );
    expect(auditTimelineText([])).toBeNull();
  });

  it('the line a shared-credential note ends with names the person', () => {
    expect(viaDealbotNote('Ada Lovelace')).toBe('— via Dealbot by Ada Lovelace');
    expect(viaDealbotNote('  ')).toBe('— via Dealbot by someone in Slack');
  });

  it('the connect modal and the link list stay within Block Kit limits', () => {
    assertWithinBlockKitLimits(
      connectModal({ provider: 'productive', crmName: 'Productive', privateMetadata: '{}', banner: HOSTILE.repeat(30) }),
    );
    const links = Array.from({ length: 60 }, (_, i) => ({
      slackUserId: `U${i}X`,
      crmUserId: String(i),
      crmEmail: `${HOSTILE}@x.test`,
      source: 'admin' as const,
      linkedBy: 'U0ADMIN',
      at: '2026-11-16T09:00:00.000Z',
      user: { id: String(i), name: HOSTILE, email: `${HOSTILE}@x.test`, active: true },
    }));
    const list = linkListMessage(links, 'Pipedrive');
    assertWithinBlockKitLimits(list.blocks);
    expect(mrkdwnTexts(list.blocks).join('')).not.toContain('<!channel>');
  });
});
