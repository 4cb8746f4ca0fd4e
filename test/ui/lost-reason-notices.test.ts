// The lost-reason modal's words: untrusted text stays text, a copied command carries no
// invisible characters, and the field answers say what is wrong.

import { describe, expect, it } from 'vitest';
import { LOST_REASON_MAX } from '../../src/ui/deal-form-modal.js';
import { lostAlreadyClosedModal, lostFailedModal, lostReasonProblem, lostUnresolvedModal } from '../../src/ui/lost-reason-notices.js';
import { makeDeal as deal } from './fixtures.js';

const text = (view: { blocks: unknown[] }): string => JSON.stringify(view.blocks);

describe('lost-reason notices', () => {
  it('escapes the words that matched nothing, and offers a search the person can copy', () => {
    const shown = text(lostUnresolvedModal('none', '<!channel> acme'));
    expect(shown).toContain('&lt;!channel&gt; acme');
    expect(shown).not.toContain('<!channel>');
    expect(shown).toContain('`/deal find &lt;!channel&gt; acme`');
    expect(text(lostUnresolvedModal('many', 'acme'))).toContain('Pick one from the list I sent you.');
  });

  it('tells how to reopen a won deal, and that a lost one needs nothing', () => {
    expect(text(lostAlreadyClosedModal(deal({ id: '7', status: 'won', title: '*Big* deal' })))).toContain('`/deal reopen 7`');
    expect(text(lostAlreadyClosedModal(deal({ id: '7', status: 'lost' })))).toContain('Nothing to do.');
  });

  it('keeps the typed reason on screen when the form cannot be drawn again', () => {
    expect(text(lostFailedModal('The CRM is down.', 'No <budget>'))).toContain('No &lt;budget&gt;');
  });

  it('answers an empty or overlong reason beside the field, and lets a good one through', () => {
    expect(lostReasonProblem('')).toMatch(/why it was lost/);
    expect(lostReasonProblem('x'.repeat(LOST_REASON_MAX + 1))).toBe(`Keep it under ${LOST_REASON_MAX} characters.`);
    expect(lostReasonProblem('x'.repeat(LOST_REASON_MAX))).toBeNull();
  });
});
