// The create-deal modal in Slack: the `CreateDealModal` port of `services/create-deal.ts`
// over views.open / views.update, drawn by the ui's renderers, and `openCreateModal`, which
// every surface that offers "New deal" calls (the command, the shortcuts, App Home). Once
// the deal exists, its card goes where the person asked from: the message's thread for a
// deal made from a message, else the channel (or a DM).

import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { openDealForm, type CreateDealDeps, type CreateDealModal, type CreateDealProblem, type DealForm } from '../services/create-deal.js';
import type { DealFormValues } from '../services/deal-form.js';
import type { MessageSource } from '../services/message-note.js';
import { canSearchParties } from '../services/picker-search.js';
import { createdByLine, dealCreatedButModal, dealCreatedModal, dealFormView, loadingDealFormModal } from '../ui/deal-form-modal.js';
import { replyWithCard } from './card-replies.js';
import type { DealbotContext } from './context.js';
import type { CreateModalMetadata } from './modal-metadata.js';
import { fillOpenedModal } from './opened-modal.js';
import type { Reply } from './replies.js';
import { slackDirectory } from './slack-directory.js';
import { cardInThread } from './thread-replies.js';

export function createDealDeps(ctx: DealbotContext, client: WebClient): CreateDealDeps {
  return { crm: ctx.crm, deals: ctx.deals, slack: slackDirectory(ctx, client), logger: ctx.logger };
}

/** The filled-in form; its metadata remembers the currency it was drawn with. */
export function renderDealForm(ctx: DealbotContext, metadata: CreateModalMetadata, form: DealForm, problem?: CreateDealProblem): ModalView {
  return dealFormView(form, {
    crmName: ctx.crm.displayName,
    privateMetadata: JSON.stringify({ ...metadata, defaultCurrency: form.defaultCurrency } satisfies CreateModalMetadata),
    ...(problem ? { problem } : {}),
  });
}

/**
 * The modal a use case talks to: opened with `triggerId`, or the submitted view `viewId`.
 * `reply` is where the card goes once the deal exists.
 */
export function createDealModalPort(
  ctx: DealbotContext,
  reply: Reply,
  at: { triggerId: string } | { viewId: string },
  metadata: CreateModalMetadata,
): CreateDealModal & { readonly viewId: string | null } {
  let viewId = 'viewId' in at ? at.viewId : null;
  const update = async (view: ModalView) => {
    if (viewId) await reply.client.views.update({ view_id: viewId, view });
  };
  return {
    get viewId() {
      return viewId;
    },
    async open(draft) {
      if (!('triggerId' in at)) return viewId !== null;
      const opened = await reply.client.views.open({
        trigger_id: at.triggerId,
        view: loadingDealFormModal({
          draft,
          crmName: ctx.crm.displayName,
          privateMetadata: JSON.stringify(metadata),
          partyPickers: canSearchParties(ctx.crm),
        }),
      });
      viewId = opened.view?.id ?? null;
      return viewId !== null;
    },
    showForm: (form, problem) => update(renderDealForm(ctx, metadata, form, problem)),
    async showOutcome(outcome) {
      const { deal } = outcome;
      try {
        if (outcome.fromMessage) {
          if (!outcome.duplicate) await cardInThread(ctx, reply, deal, outcome.fromMessage.source);
          await update(dealCreatedModal(outcome, ctx.crm.displayName));
          return;
        }
        await update(dealCreatedModal(outcome, ctx.crm.displayName));
        await replyWithCard(ctx, reply, deal, createdByLine(reply.userId));
      } catch (error) {
        await update(dealCreatedButModal(deal, error, ctx.crm.displayName)).catch(() => undefined);
        throw error;
      }
    },
  };
}

/**
 * Opens the create modal at once with what is known (a title from a message, say), then
 * fills it in. `fromMessage` adds the note: `noteText` resolves after the modal is open,
 * since naming the people a message mentions asks Slack.
 */
export async function openCreateModal(
  ctx: DealbotContext,
  reply: Reply,
  triggerId: string,
  values: Partial<DealFormValues> = {},
  fromMessage?: { source: MessageSource; noteText: () => Promise<string> },
): Promise<void> {
  const metadata: CreateModalMetadata = {
    channelId: reply.channelId,
    responseUrl: reply.responseUrl,
    defaultCurrency: null,
    ...(fromMessage ? { source: fromMessage.source } : {}),
  };
  const modal = createDealModalPort(ctx, reply, { triggerId }, metadata);
  try {
    await openDealForm(createDealDeps(ctx, reply.client), modal, {
      draft: values,
      requesterId: reply.userId,
      ...(fromMessage ? { fromMessage } : {}),
    });
  } catch (error) {
    if (!modal.viewId) throw error;
    // Opened but not filled: the modal says what went wrong instead of loading forever.
    await fillOpenedModal({ client: reply.client, viewId: modal.viewId, title: 'New deal', crmName: ctx.crm.displayName }, () =>
      Promise.reject(error),
    );
  }
}
