// Submitting the create modal. Field mistakes are answered before the ack, next to the
// field; then the ack turns the modal into "Creating…" and the CRM is called. A CRM
// refusal or outage redraws the form with everything typed and the reason beside the
// field it concerns; nothing is lost. A double-clicked submit creates one deal. A deal
// made from a message gets the message as a note and its card in the message's thread.

import type { App } from '@slack/bolt';
import type { Deal } from '../../crm/port.js';
import { CrmValidationError } from '../../errors.js';
import { checkDealForm, type DealFormValues } from '../../services/deal-form.js';
import { crmUserFor } from '../../services/slack-people.js';
import { CallbackId, DealFormField, FORM_BLOCK_FOR_FIELD } from '../../ui/ids.js';
import { escapeMrkdwn } from '../../ui/mrkdwn.js';
import { noticeModal } from '../../ui/notice-modal.js';
import { errorMessage } from '../../ui/error-message.js';
import type { DealbotContext } from '../context.js';
import { dealFormView, parseMetadata, type CreateModalMetadata } from '../deal-form-flows.js';
import { replyWithCard, writeOptions } from '../card-replies.js';
import { finishDealFromMessage } from '../message-flows.js';
import { dealFormBlockErrors, readDealForm, readDealFormExtras, type DealFormExtras } from '../modal-state.js';
import { replyFromModal } from '../replies.js';

export function registerCreateDealView(app: App<DealbotContext>): void {
  app.view(CallbackId.createDealModal, async ({ ack, body, view, client, context }) => {
    const metadata = parseMetadata<CreateModalMetadata>(view.private_metadata, {
      channelId: null,
      responseUrl: null,
      defaultCurrency: null,
    });
    const form: DealFormValues & DealFormExtras = { ...readDealForm(view.state.values), ...readDealFormExtras(view.state.values) };
    const check = checkDealForm(form, metadata.defaultCurrency ?? 'EUR');
    if (!check.ok) return ack({ response_action: 'errors', errors: dealFormBlockErrors(check.errors) });

    await ack({
      response_action: 'update',
      view: noticeModal({ title: 'New deal', text: `Creating *${escapeMrkdwn(form.title)}* in ${escapeMrkdwn(context.crm.displayName)}…` }),
    });

    const reply = replyFromModal({
      client,
      userId: body.user.id,
      channelId: metadata.channelId,
      responseUrl: metadata.responseUrl,
    });
    const backToForm = async (extras: Parameters<typeof dealFormView>[3]) =>
      client.views.update({ view_id: view.id, view: await dealFormView(context, metadata, form, extras) });

    let created: { deal: Deal; duplicate: boolean };
    try {
      let ownerId: string | null = null;
      if (check.ownerSlackUserId) {
        const [owner, users] = await Promise.all([context.people.get(client, check.ownerSlackUserId), context.crm.listUsers()]);
        ownerId = crmUserFor(owner, users)?.id ?? null;
        if (!ownerId) {
          const who = owner.email ? `${owner.name} (${owner.email})` : owner.name;
          await backToForm({
            fieldErrors: {
              [DealFormField.owner]: `${context.crm.displayName} has no user with the email of ${who}. Pick someone with a ${context.crm.displayName} account, or leave it empty.`,
            },
          });
          return;
        }
      }
      const options = await writeOptions(context, reply);
      const parties = { organizationId: form.organization?.id ?? null, personId: form.person?.id ?? null };
      created = await context.deals.create({ ...check.deal, ...parties, ownerId }, `view:${view.id}:${view.hash}`, options);
    } catch (error) {
      const field = error instanceof CrmValidationError && error.field ? FORM_BLOCK_FOR_FIELD[error.field] : undefined;
      await backToForm(
        field && error instanceof CrmValidationError
          ? { fieldErrors: { [field]: `${context.crm.displayName}: ${error.crmMessage}` } }
          : { banner: `${errorMessage(error, context.crm.displayName).summary} Everything you typed is still here.` },
      );
      // The modal has told the person; the error still goes to app.error() to be logged.
      throw error;
    }

    // The deal exists from here on: a failure must not bring the form back (submitting it
    // again would create a second deal), only say what is missing.
    const { deal, duplicate } = created;
    const done = `Created *${escapeMrkdwn(deal.title)}* (#${escapeMrkdwn(deal.id)}).`;
    try {
      if (metadata.source) {
        const noteProblem = await finishDealFromMessage(context, reply, { deal, duplicate, source: metadata.source, note: form.note });
        const noteLine = noteProblem
          ? `\n\n⚠️ The deal exists, but the note was not saved: ${escapeMrkdwn(noteProblem)}`
          : form.note && context.crm.addNote
            ? ' The message is on it as a note, and its card is in the thread.'
            : ' Its card is in the thread.';
        await client.views.update({ view_id: view.id, view: noticeModal({ title: 'Deal created', text: `${done}${noteLine}` }) });
        return;
      }
      await client.views.update({ view_id: view.id, view: noticeModal({ title: 'Deal created', text: done }) });
      await replyWithCard(context, reply, deal, `Created by <@${reply.userId}>`);
    } catch (error) {
      const problem = escapeMrkdwn(errorMessage(error, context.crm.displayName).summary);
      await client.views
        .update({ view_id: view.id, view: noticeModal({ title: 'Deal created', text: `${done}\n\n⚠️ But: ${problem}` }) })
        .catch(() => undefined);
      throw error;
    }
  });
}
