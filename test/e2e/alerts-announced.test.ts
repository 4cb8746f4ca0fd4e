// A deal won through Dealbot is announced in the channel by Dealbot itself; when the CRM's
// change comes back as a deal event (a poll or a webhook), the channel's alerts do not say it
// a second time — but a channel that did not hear it still gets its alert. Through Bolt's
// HTTP receiver against the seeded embedded CRM (deal 4 is open), then the alert delivery on
// the same workspace store.

import { afterEach, describe, expect, it } from 'vitest';
import {
  createFakeSlack,
  createClock,
  createTestDelivery,
  alertSubscription,
  dealEvent,
  saveSubscriptions,
} from '../services/alert-harness.js';
import { scopeStore } from '../../src/store/scoped-store.js';
import { workspaceNamespace } from '../../src/store/workspace-namespace.js';
import { ActionId } from '../../src/ui/ids.js';
import { blockActionPayload } from '../helpers/slack-payloads.js';
import { CHANNEL, NOW, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('a win announced by Dealbot', () => {
  it('is not alerted again in the channel it was announced in, and is elsewhere', async () => {
    h = await startHarness();
    await h.interact(
      blockActionPayload({
        action: { action_id: ActionId.cardWon, value: '4' },
        message: { ts: '1700000000.000012', channel: CHANNEL, ephemeral: true },
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id, ts: '1700000000.000012', ephemeral: true }),
        triggerId: h.standin.triggerId(),
      }),
    );
    await h.standin.waitFor((c) => c.method === 'response_url' && c.args.response_type === 'in_channel');

    const workspace = scopeStore(h.store, workspaceNamespace({ teamId: h.standin.bot.teamId }));
    await saveSubscriptions(
      workspace,
      alertSubscription('here', { target: { kind: 'channel', channelId: CHANNEL.id } }),
      alertSubscription('there', { target: { kind: 'channel', channelId: 'C0OTHER' } }),
    );
    const clock = createClock(NOW.plus({ minutes: 1 }));
    const slack = createFakeSlack(clock);
    const delivery = createTestDelivery(workspace, clock, slack);
    // The poll that follows sees the CRM's change, stamped at the CRM's time of the win.
    const { targets } = await delivery.enqueue([dealEvent('4', { kind: 'won' }, { at: NOW.toUTC().toISO()! })]);
    expect(targets.sort()).toEqual([`channel:${CHANNEL.id}`, 'channel:C0OTHER']);

    expect((await delivery.deliver(`channel:${CHANNEL.id}`)).result).toBe('dropped');
    expect((await delivery.deliver('channel:C0OTHER')).result).toBe('sent');
    expect(slack.posts.map((p) => p.post.conversation)).toEqual(['C0OTHER']);
  });
});
