// `/deal alerts me` and `/deal alerts me off`: a person's own alerts, by direct message,
// when someone else changes a deal they own. Their CRM user is the one the access guard
// linked them to, else the CRM user with their Slack email (as quick create picks the owner).

import { crmUserFor } from '../services/slack-people.js';
import { alertsNotLinkedMessage, personalAlertsOffMessage, personalAlertsOnMessage } from '../ui/alert-notices.js';
import { alertSubscriptionsFor, requesterOf } from './alert-slack.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';

export async function runPersonalAlerts(ctx: DealbotContext, reply: Reply, on: boolean): Promise<void> {
  const alerts = alertSubscriptionsFor(ctx, reply.client);
  const ephemeral = (message: { text: string }) => reply.respond({ response_type: 'ephemeral', ...message });
  if (!on) {
    const outcome = await alerts.offMe({ userId: reply.userId });
    await ephemeral(personalAlertsOffMessage({ removed: outcome.removed.length }));
    return;
  }
  const person = await ctx.people.get(reply.client, reply.userId);
  const crmUserId = requesterOf(ctx)?.crmUserId ?? crmUserFor(person, await ctx.crm.listUsers())?.id ?? null;
  const outcome = await alerts.subscribeMe({ userId: reply.userId, crmUserId });
  if (outcome.kind === 'no-crm-user') {
    await ephemeral(alertsNotLinkedMessage({ crmName: ctx.crm.displayName, email: person.email }));
    return;
  }
  await ephemeral(personalAlertsOnMessage({ crmName: ctx.crm.displayName, already: outcome.kind === 'unchanged' }));
}
