// Submitting the `/deal connect` modal: an empty field is answered next to it; otherwise the
// modal says "Checking…" (acked first), the token is checked with the CRM, and only a token
// the CRM accepts, and that is the person's own, is kept. A refused one brings the form back
// with why, its field empty: the token is never drawn into a view or written to a log.

import type { App } from '@slack/bolt';
import { connectCredential } from '../../services/personal-credentials.js';
import { errorMessage } from '../../ui/error-message.js';
import { CallbackId, ConnectFormField } from '../../ui/ids.js';
import {
  connectCheckingModal,
  connectedModal,
  connectModal,
  connectNotYoursBanner,
  connectRefusedBanner,
  connectTokenProblem,
  connectUnreachableBanner,
} from '../../ui/link-notices.js';
import type { DealbotContext } from '../context.js';

export function registerConnectCrmView(app: App<DealbotContext>): void {
  app.view(CallbackId.connectCrmModal, async ({ ack, body, view, client, context }) => {
    const token = view.state.values[ConnectFormField.token]?.[ConnectFormField.token]?.value ?? '';
    const problem = connectTokenProblem(token);
    if (problem) return ack({ response_action: 'errors', errors: { [ConnectFormField.token]: problem } });
    const shared = context.sharedCrm ?? context.crm;
    const crmName = shared.displayName;
    await ack({ response_action: 'update', view: connectCheckingModal(crmName) });

    const show = (banner: string) =>
      shared.provider === 'local'
        ? Promise.resolve()
        : client.views.update({
            view_id: view.id,
            view: connectModal({ provider: shared.provider, crmName, privateMetadata: view.private_metadata, banner }),
          });
    const { credentials, personalCrms, crmLinks } = context;
    if (!credentials || !personalCrms || !crmLinks) {
      await show('Personal credentials are turned off on this Dealbot, so nothing was saved.');
      return;
    }
    const userId = body.user.id;
    try {
      const linkedCrmUserId =
        context.requester?.crmUserId ??
        (await (async () => {
          const person = await context.people.get(client, userId);
          return crmLinks.linkedCrmUserId(userId, person.email, person.name);
        })());
      const outcome = await connectCredential({ vault: credentials, personal: personalCrms, linkedCrmUserId }, userId, token);
      switch (outcome.kind) {
        case 'connected':
          // Their next request looks their CRM user up again (the credential may link them).
          await context.requesters?.forget(userId);
          await client.views.update({ view_id: view.id, view: connectedModal(outcome.user, crmName) });
          return;
        case 'refused':
          await show(connectRefusedBanner(crmName));
          return;
        case 'not-yours':
          await show(connectNotYoursBanner(outcome.user, crmName));
      }
    } catch (error) {
      await show(connectUnreachableBanner(crmName, errorMessage(error, crmName).summary)).catch(() => undefined);
      throw error;
    }
  });
}
