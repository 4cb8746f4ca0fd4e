// The create-deal use case behind the modal: the form opens at once (no CRM call may stand
// between a click and Slack's `views.open`), fills in with pipelines and stages when the CRM
// answers, and a submission becomes a deal. The rules live here: a deal starts in an open
// stage of its pipeline, the owner is the CRM user with the Slack person's email (the
// requester by default), a refusal or outage brings the form back with everything typed, and
// a deal made from a message gets the message as a note. The modal is reached through the
// `CreateDealModal` port (Block Kit in `listeners/create-deal-modal.ts`, a fake in the test).

import type { CrmClient, Deal, DealField, PartyRef, Pipeline, Stage } from '../crm/port.js';
import { CrmValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DealFormCheck, DealFormValues } from './deal-form.js';
import type { DealService } from './deal-service.js';
import { addDealNote, noteForDeal, type MessageSource } from './message-note.js';
import { movableStages } from './movable-stages.js';
import { canSearchParties } from './picker-search.js';
import type { SlackDirectory } from './slack-directory.js';
import { crmUserFor, writeOptionsFor, type SlackPerson } from './slack-people.js';

/** What the form holds, as typed or picked: the deal fields, the organization and person, the note. */
export type DealFormDraft = Partial<DealFormValues> & {
  organization?: PartyRef | null;
  person?: PartyRef | null;
  /** The note field's text; undefined keeps the field out (a deal not made from a message). */
  note?: string | null;
};

/** The form filled in: what to offer and what to show again. */
export interface DealForm {
  pipelines: Pipeline[];
  /** The stages a deal may start in, of the selected pipeline. */
  stages: Stage[];
  selectedPipelineId: string | null;
  defaultCurrency: string;
  /** What was typed, with the stage settled on one of `stages`. */
  draft: DealFormDraft;
  /** Organization and person pickers that search the CRM as the person types. */
  partyPickers: boolean;
  /** The message's note field; null when the deal is not made from a message or the CRM keeps no notes. */
  note: { text: string; source: MessageSource } | null;
}

/** Why a submission brought the form back. */
export type CreateDealProblem =
  | { kind: 'owner-unknown'; owner: SlackPerson }
  | { kind: 'refused'; field: DealField | null; crmMessage: string; error: CrmValidationError }
  | { kind: 'failed'; error: unknown };

/** What became of the note of a deal made from a message. */
export type MessageNoteResult = { kind: 'on-deal' } | { kind: 'none' } | { kind: 'not-saved'; error: unknown };

export interface DealCreated {
  kind: 'created';
  deal: Deal;
  /** A repeated submission of the same form: the deal the first one made. */
  duplicate: boolean;
  requesterId: string;
  fromMessage: { source: MessageSource; note: MessageNoteResult } | null;
}

export type CreateDealOutcome = DealCreated | CreateDealProblem;

/** How the use case reaches the modal. */
export interface CreateDealModal {
  /** Opens the form at once with what is known, before any CRM call; false when nothing opened. */
  open(draft: DealFormDraft): Promise<boolean>;
  /** Shows the form filled in; after a failed submission, with what went wrong. */
  showForm(form: DealForm, problem?: CreateDealProblem): Promise<void>;
  /** Says the deal exists (and, for a message, puts its card in the thread). */
  showOutcome(outcome: DealCreated): Promise<void>;
}

export interface CreateDealDeps {
  crm: CrmClient;
  deals: DealService;
  slack: SlackDirectory;
  logger: Logger;
}

/**
 * The form for `draft`: pipelines and stages from the (cached) CRM, the chosen pipeline or
 * the default one, the typed stage when it belongs to it. `knownCurrency` spares asking
 * the CRM again once the form has shown it.
 */
export async function loadDealForm(
  crm: CrmClient,
  draft: DealFormDraft,
  opts: { knownCurrency: string | null; source: MessageSource | null },
): Promise<DealForm> {
  const [pipelines, stages, defaultCurrency] = await Promise.all([
    crm.listPipelines(),
    crm.listStages(),
    opts.knownCurrency ? Promise.resolve(opts.knownCurrency) : crm.defaultCurrency(),
  ]);
  const selected = pipelines.find((p) => p.id === draft.pipelineId) ?? pipelines.find((p) => p.isDefault) ?? pipelines[0] ?? null;
  // Won and Lost stages are reached by marking a deal won or lost, never picked at creation.
  const pipelineStages = movableStages(stages.filter((s) => s.pipelineId === selected?.id));
  const stageId = pipelineStages.some((s) => s.id === draft.stageId) ? draft.stageId : pipelineStages[0]?.id;
  const { stageId: _typed, ...rest } = draft;
  return {
    pipelines,
    stages: pipelineStages,
    selectedPipelineId: selected?.id ?? null,
    defaultCurrency,
    draft: { ...rest, ...(stageId ? { stageId } : {}) },
    partyPickers: canSearchParties(crm),
    // A CRM that keeps no notes gets no note field; the card in the thread still links the two.
    note: opts.source && draft.note !== undefined && crm.addNote ? { text: draft.note ?? '', source: opts.source } : null,
  };
}

/**
 * Opens the form at once with what is known (a title from a message, say), then fills it
 * in: the requester as the owner when they have a CRM user, and the note, whose text
 * resolves after the modal is open (naming the people a message mentions asks Slack).
 */
export async function openDealForm(
  deps: CreateDealDeps,
  modal: CreateDealModal,
  input: { draft: DealFormDraft; requesterId: string; fromMessage?: { source: MessageSource; noteText: () => Promise<string> } },
): Promise<void> {
  const { draft, requesterId, fromMessage } = input;
  if (!(await modal.open(draft))) return;
  const [person, users, note] = await Promise.all([
    deps.slack.person(requesterId),
    deps.crm.listUsers(),
    fromMessage ? fromMessage.noteText() : Promise.resolve(undefined),
  ]);
  const owned = draft.ownerSlackUserId || !crmUserFor(person, users) ? draft : { ...draft, ownerSlackUserId: requesterId };
  const filled = note === undefined ? owned : { ...owned, note };
  await modal.showForm(await loadDealForm(deps.crm, filled, { knownCurrency: null, source: fromMessage?.source ?? null }));
}

export interface CreateDealRequest {
  /** The form as submitted, shown again if the deal cannot be created. */
  draft: DealFormDraft;
  /** `checkDealForm`'s answer for it. */
  checked: Extract<DealFormCheck, { ok: true }>;
  requesterId: string;
  /** Identifies the submission: a repeated one returns the first one's deal. */
  onceKey: string;
  /** The currency the form was drawn with. */
  knownCurrency: string | null;
  source: MessageSource | null;
}

/**
 * Creates the deal the form describes. A refusal or an outage shows the form again with
 * everything typed and what went wrong (returned too, so the caller can log it). Once the
 * deal exists nothing brings the form back (submitting it again would make a second deal).
 */
export async function createDealFromForm(
  deps: CreateDealDeps,
  modal: CreateDealModal,
  request: CreateDealRequest,
): Promise<CreateDealOutcome> {
  const { crm, deals, slack } = deps;
  const { draft, checked, requesterId, source } = request;
  const backToForm = async (problem: CreateDealProblem): Promise<CreateDealProblem> => {
    await modal.showForm(await loadDealForm(crm, draft, { knownCurrency: request.knownCurrency, source }), problem);
    return problem;
  };

  let created: { deal: Deal; duplicate: boolean };
  try {
    let ownerId: string | null = null;
    if (checked.ownerSlackUserId) {
      const [owner, users] = await Promise.all([slack.person(checked.ownerSlackUserId), crm.listUsers()]);
      ownerId = crmUserFor(owner, users)?.id ?? null;
      if (!ownerId) return await backToForm({ kind: 'owner-unknown', owner });
    }
    const options = await writeOptionsFor(crm, slack.person(requesterId));
    const parties = { organizationId: draft.organization?.id ?? null, personId: draft.person?.id ?? null };
    created = await deals.create({ ...checked.deal, ...parties, ownerId }, request.onceKey, options);
  } catch (error) {
    return backToForm(
      error instanceof CrmValidationError
        ? { kind: 'refused', field: error.field, crmMessage: error.crmMessage, error }
        : { kind: 'failed', error },
    );
  }

  const { deal, duplicate } = created;
  const outcome: DealCreated = {
    kind: 'created',
    deal,
    duplicate,
    requesterId,
    fromMessage: source
      ? { source, note: await addMessageNote(deps, { deal, duplicate, source, note: draft.note ?? null, requesterId }) }
      : null,
  };
  await modal.showOutcome(outcome);
  return outcome;
}

/** The message as a note on the new deal, once (not again for a repeated submission). */
async function addMessageNote(
  deps: CreateDealDeps,
  input: { deal: Deal; duplicate: boolean; source: MessageSource; note: string | null; requesterId: string },
): Promise<MessageNoteResult> {
  const { crm, slack, logger } = deps;
  if (!input.note || !crm.addNote) return { kind: 'none' };
  if (input.duplicate) return { kind: 'on-deal' };
  try {
    const [note, options] = await Promise.all([
      noteForDeal(slack, input.source, input.note, input.requesterId),
      writeOptionsFor(crm, slack.person(input.requesterId)),
    ]);
    await addDealNote(crm, input.deal.id, note, options);
    return { kind: 'on-deal' };
  } catch (error) {
    logger.warn({ err: error, dealId: input.deal.id }, 'the deal was created but its note was not added');
    return { kind: 'not-saved', error };
  }
}
