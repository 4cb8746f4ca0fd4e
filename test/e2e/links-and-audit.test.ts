// Linked CRM users and the audit trail (issue #16), end to end through Bolt's HTTP receiver
// with the embedded CRM and the Slack stand-in: only admins link people, list links or read
// the audit; an admin's link decides which CRM user a person's change is recorded as; every
// change through Dealbot shows in `/deal audit` and in the deal's timeline ("… by @max via
// Dealbot"). Seeded deal 4 "Tailspin Toys webshop" is open.

import { afterEach, describe, expect, it } from 'vitest';
import type { StandinUser } from '../../src/console/slack-api-standin.js';
import { createAuditTrail } from '../../src/services/audit-trail.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import { workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { slashCommandPayload } from '../helpers/slack-payloads.js';
import { CHANNEL, shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const ADMIN: StandinUser = { id: 'U0ADMIN', name: 'ann', realName: 'Ann Admin', email: 'ann@example.com', isAdmin: true };
const MEMBER: StandinUser = { id: 'U0MEMBER', name: 'max', realName: 'Max Member', email: 'max@example.com' };

/** `/deal <text>` as `user`: the ack and every reply on the command's response_url, as one string. */
async function deal(user: StandinUser, text: string, expectReply = true): Promise<string> {
  const from = h.standin.calls.length;
  const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id });
  const res = await h.command(
    slashCommandPayload({
      command: '/deal',
      text,
      user: { id: user.id, name: user.name },
      channel: CHANNEL,
      responseUrl,
      triggerId: h.standin.triggerId(),
    }),
  );
  expect(res.status).toBe(200);
  const ack = await res.text();
  if (!expectReply || ack.includes('🔒') || ack.includes('admin')) return ack;
  const responseId = h.standin.responseIdOf(responseUrl);
  await h.standin.waitFor((c, i) => i >= from && c.method === 'response_url' && c.responseId === responseId);
  return (
    ack +
    shown(h.standin.calls.filter((c, i) => i >= from && c.method === 'response_url' && c.responseId === responseId).map((c) => c.args))
  );
}

describe('linked CRM users', () => {
  it("a member's /deal link, /deal link list, /deal unlink and /deal audit are refused", async () => {
    h = await startHarness({ users: [ADMIN, MEMBER] });
    for (const text of ['link <@U0MEMBER|max> grace@example.com', 'link list', 'unlink <@U0MEMBER|max>', 'audit', 'audit 4']) {
      const said = await deal(MEMBER, text);
      expect(said, text).toContain('Only a workspace admin or owner');
    }
    const audit = createAuditTrail({ store: scopeStore(h.store, workspaceNamespace({ teamId: h.standin.bot.teamId })), crm: 'local' });
    expect(await audit.recent()).toEqual([]);
  });

  it("an admin links a person by CRM email; that person's change is then recorded as that CRM user; unlinking undoes it", async () => {
    h = await startHarness({ users: [ADMIN, MEMBER] });
    const grace = (await h.local.listUsers()).find((u) => u.email === 'grace@example.com')!;

    expect(await deal(ADMIN, 'link <@U0MEMBER|max> nobody@example.com')).toContain('has no user with the email');
    const linked = await deal(ADMIN, 'link <@U0MEMBER|max> Grace@Example.com');
    expect(linked).toContain('<@U0MEMBER> is now linked to *Grace Hopper*');
    const list = await deal(ADMIN, 'link list');
    expect(list).toContain('<@U0MEMBER> → *Grace Hopper*');
    expect(list).toContain('by <@U0ADMIN>');

    expect(await deal(MEMBER, 'won 4')).toContain('Won');
    expect((await h.local.getDeal('4')).status).toBe('won');
    const audit = createAuditTrail({ store: scopeStore(h.store, workspaceNamespace({ teamId: h.standin.bot.teamId })), crm: 'local' });
    expect((await audit.forDeal('4'))[0]).toMatchObject({ op: 'won', slackUserId: 'U0MEMBER', crmUserId: grace.id, channelId: CHANNEL.id });

    expect(await deal(ADMIN, 'unlink <@U0MEMBER|max>')).toContain('no longer linked by hand');
    expect(await deal(ADMIN, 'link list')).toContain('No links were made by hand');
  });
});

describe('the audit trail', () => {
  it('every change through Dealbot shows in /deal audit (admins) and in the deal’s timeline', async () => {
    h = await startHarness({ users: [ADMIN, MEMBER] });
    await deal(MEMBER, 'move 4 to Negotiation');
    await deal(MEMBER, 'won 4');

    const all = await deal(ADMIN, 'audit');
    expect(all).toContain('Audit: the latest changes through Dealbot');
    expect(all).toContain('marked won *Tailspin Toys webshop* (#4)');
    expect(all).toContain('<@U0MEMBER>');
    expect(all).toMatch(/moved \*Tailspin Toys webshop\* \(#4\): stage \*[^*]+\* → \*Negotiation\*/);
    expect(all).toContain(`in <#${CHANNEL.id}>`);
    expect(all).toContain('the shared credential');

    const one = await deal(ADMIN, 'audit 4');
    expect(one).toContain('Audit: Tailspin Toys webshop');
    expect(one.indexOf('marked won')).toBeLessThan(one.indexOf('moved'));
    expect(await deal(ADMIN, 'audit 2')).toContain('No change to');

    const timeline = await deal(MEMBER, 'timeline 4');
    expect(timeline).toContain('*Through Dealbot*');
    expect(timeline).toContain('Marked won by <@U0MEMBER> via Dealbot');
    expect(timeline).toMatch(/Moved \(stage \*[^*]+\* → \*Negotiation\*\) by <@U0MEMBER> via Dealbot/);
  });

  it('/deal connect says there is nothing to connect on the embedded CRM', async () => {
    h = await startHarness({ users: [MEMBER] });
    expect(await deal(MEMBER, 'connect')).toContain('has no credentials to connect');
    expect(h.standin.calls.some((c) => c.method === 'views.open')).toBe(false);
  });
});
