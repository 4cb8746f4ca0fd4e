// The create-deal modal's life: it opens at once in a loading state (no CRM call may
// stand between a click and `views.open`), is filled with pipelines and stages as soon as
// they arrive, follows the chosen pipeline, and is redrawn with everything the person
// typed when the CRM refuses or fails. Opened from a message ("Create deal from message")
// it also carries the message: its first line as the title, its text as the note.

import type { ModalView } from '@slack/types';
import type { PartyRef } from '../crm/port.js';
import type { DealFormValues } from '../services/deal-form.js';
import type { MessageSource } from '../services/message-note.js';
import { canSearchParties } from '../services/picker-search.js';
import { crmUserFor } from '../services/slack-people.js';
import { dealFormModal } from '../ui/deal-form-modal.js';
import { escapeMrkdwn, userMention } from '../ui/mrkdwn.js';
import type { DealbotContext } from './context.js';
import type { Reply } from './replies.js';
import type { DealFormBlockErrors } from './modal-state.js';
import { movableStages } from '../services/movable-stages.js';

/** Private metadata of the create modal. */
export interface CreateModalMetadata {
  channelId: string | null;
  responseUrl: string | null;
  defaultCurrency: string | null;
  /** The message a deal is created from: the card goes to its thread, its text into a note. */
  source?: MessageSource | null;
}

/** What the form holds besides `DealFormValues`: the picked organization and person, the note. */
export interface DealFormExtrasValues {
  organization?: PartyRef | null;
  person?: PartyRef | null;
  /** The note field's text; undefined keeps the field out (a deal not made from a message). */
  note?: string | null;
}

/** The line under the note field of a deal made from a message (mrkdwn, safe). */
export function messageSourceLine(source: MessageSource, crmName: string): string {
  const author = source.authorId ? userMention(source.authorId) : escapeMrkdwn(source.authorName ?? 'a bot');
  return `From ${author} in <#${source.channelId}>. ${escapeMrkdwn(crmName)} gets the note with who wrote it and a link to the message.`;
}

export const OFFERED_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD', 'JPY'];

export function parseMetadata<T>(raw: string | undefined, fallback: T): T {
  if (!raw) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(raw) as T) };
  } catch {
    return fallback;
  }
}

function initialFrom(values: Partial<DealFormValues>) {
  return {
    ...(values.title ? { title: values.title } : {}),
    ...(values.value ? { value: values.value } : {}),
    ...(values.currency ? { currency: values.currency } : {}),
    ...(values.stageId ? { stageId: values.stageId } : {}),
    ...(values.expectedCloseDate ? { expectedCloseDate: values.expectedCloseDate } : {}),
    ...(values.probability ? { probability: values.probability } : {}),
    ...(values.ownerSlackUserId ? { ownerSlackUserId: values.ownerSlackUserId } : {}),
  };
}

/** The filled-in form: pipelines and stages from the (cached) CRM, the person's values kept. */
export async function dealFormView(
  ctx: DealbotContext,
  metadata: CreateModalMetadata,
  values: Partial<DealFormValues> & DealFormExtrasValues,
  extras: { banner?: string; fieldErrors?: DealFormBlockErrors } = {},
): Promise<ModalView> {
  const [pipelines, stages, defaultCurrency] = await Promise.all([
    ctx.crm.listPipelines(),
    ctx.crm.listStages(),
    metadata.defaultCurrency ? Promise.resolve(metadata.defaultCurrency) : ctx.crm.defaultCurrency(),
  ]);
  const selected =
    pipelines.find((p) => p.id === values.pipelineId) ?? pipelines.find((p) => p.isDefault) ?? pipelines[0] ?? null;
  // Won and Lost stages are reached by marking a deal won or lost, never picked at creation.
  const pipelineStages = movableStages(stages.filter((s) => s.pipelineId === selected?.id));
  const stageId = pipelineStages.some((s) => s.id === values.stageId) ? values.stageId : pipelineStages[0]?.id;
  return dealFormModal({
    pipelines,
    stages: pipelineStages,
    selectedPipelineId: selected?.id ?? null,
    defaultCurrency,
    currencies: OFFERED_CURRENCIES.includes(defaultCurrency) ? OFFERED_CURRENCIES : [defaultCurrency, ...OFFERED_CURRENCIES],
    loading: false,
    crmName: ctx.crm.displayName,
    privateMetadata: JSON.stringify({ ...metadata, defaultCurrency } satisfies CreateModalMetadata),
    initial: {
      ...initialFrom({ ...values, ...(stageId ? { stageId } : {}) }),
      ...(values.organization ? { organization: values.organization } : {}),
      ...(values.person ? { person: values.person } : {}),
    },
    partyPickers: canSearchParties(ctx.crm),
    // A CRM that keeps no notes gets no note field; the card in the thread still links the two.
    ...(metadata.source && values.note !== undefined && ctx.crm.addNote
      ? { note: { initial: values.note ?? '', source: messageSourceLine(metadata.source, ctx.crm.displayName) } }
      : {}),
    ...(extras.banner ? { banner: extras.banner } : {}),
    ...(extras.fieldErrors ? { fieldErrors: extras.fieldErrors } : {}),
  });
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
  const opened = await reply.client.views.open({
    trigger_id: triggerId,
    view: dealFormModal({
      pipelines: [],
      stages: [],
      selectedPipelineId: null,
      defaultCurrency: 'EUR',
      currencies: OFFERED_CURRENCIES,
      loading: true,
      crmName: ctx.crm.displayName,
      privateMetadata: JSON.stringify(metadata),
      initial: initialFrom(values),
      // The pickers ask the CRM only when someone types, so they can be there from the start.
      partyPickers: canSearchParties(ctx.crm),
    }),
  });
  const viewId = opened.view?.id;
  if (!viewId) return;
  // The owner defaults to the person creating the deal, when they have a CRM user.
  const [person, users, note] = await Promise.all([
    ctx.people.get(reply.client, reply.userId),
    ctx.crm.listUsers(),
    fromMessage ? fromMessage.noteText() : Promise.resolve(undefined),
  ]);
  const owned = values.ownerSlackUserId || !crmUserFor(person, users) ? values : { ...values, ownerSlackUserId: reply.userId };
  const filled = note === undefined ? owned : { ...owned, note };
  await reply.client.views.update({ view_id: viewId, view: await dealFormView(ctx, metadata, filled) });
}
