// `link_shared`: a message (or the composer) holds links on a domain Dealbot unfurls. Deal
// links of this deployment's CRM become compact cards under the message (`chat.unfurl`);
// anything else is left to Slack. Bolt acknowledges events itself; a CRM that cannot answer
// means no card (logged), never an error in the channel.

import type { App } from '@slack/bolt';
import { unfurlDealLinks } from '../../services/deal-unfurls.js';
import { dealUnfurl } from '../../ui/deal-unfurl.js';
import type { DealbotContext } from '../context.js';

export function registerLinkSharedEvent(app: App<DealbotContext>): void {
  app.event('link_shared', async ({ event, client, context }) => {
    const { unfurled, failed } = await unfurlDealLinks(context.crm, event.links, context.unfurlDomains);
    for (const { url, error } of failed) context.logger.warn({ err: error, url }, 'link_shared: the deal behind a link could not be read');
    if (unfurled.length === 0) return;
    const person = await context.people.get(client, event.user);
    const now = context.now().setZone(person.tz);
    const unfurls = Object.fromEntries(
      unfurled.map((u) => [u.url, dealUnfurl({ ...u, crmName: context.crm.displayName, now: now.isValid ? now : context.now() })]),
    );
    // A link still in the composer is known by its unfurl id only; a posted one by its message too.
    const where =
      event.unfurl_id && event.source
        ? { unfurl_id: event.unfurl_id, source: event.source as 'composer' | 'conversations_history' }
        : { channel: event.channel, ts: event.message_ts };
    await client.chat.unfurl({ ...where, unfurls });
  });
}
