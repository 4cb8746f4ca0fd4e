// The create-deal modal and the "why was it lost?" modal. The create modal is drawn three
// ways: at once while the CRM data is still coming (`loading`), filled in, and redrawn
// after a failed submission with everything the person typed, an error banner on top and
// each field's error as its hint (`views.update` cannot show Slack's own field errors).

import type { ExternalSelect, InputBlock, KnownBlock, ModalView, PlainTextOption, StaticSelect } from '@slack/types';
import type { Deal, IsoDate, PartyRef, Pipeline, Stage } from '../crm/port.js';
import type { CreateDealProblem, DealCreated, DealForm, DealFormDraft } from '../services/create-deal.js';
import { errorMessage } from './error-message.js';
import {
  ActionId,
  CallbackId,
  DealFormExtraField,
  DealFormField,
  FORM_BLOCK_FOR_FIELD,
  LostFormField,
  PICKER_MIN_QUERY,
  SlackLimits,
} from './ids.js';
import { escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';
import { messageSourceLine } from './note-messages.js';
import { noticeModal } from './notice-modal.js';
import { allOptions, selectOptions } from './select-options.js';

/** The currencies the create form offers; the CRM's default is put first when it is not one of them. */
export const OFFERED_CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CZK', 'CAD', 'AUD', 'JPY'];

/**
 * The value of the only option a select has while its real options are loading (Slack
 * refuses a select without options). A submission carrying it means "nothing chosen".
 */
export const LOADING_OPTION_VALUE = '__loading__';

export const DEAL_TITLE_MAX = 255;
export const LOST_REASON_MAX = 500;
const HINT_MAX = 2000;
const BANNER_MAX = 1000;
/** Slack's limit on an action id. */
const ACTION_ID_MAX = 255;

export interface DealFormModalInput {
  pipelines: Pipeline[];
  /** Stages of the selected pipeline. */
  stages: Stage[];
  selectedPipelineId: string | null;
  defaultCurrency: string;
  /** Offered in a static select; the default (and an initial currency) are added when missing. */
  currencies: string[];
  /** True while CRM data is still coming: the selects say "Loading…". */
  loading: boolean;
  crmName: string;
  privateMetadata: string;
  initial?: {
    title?: string;
    value?: string;
    currency?: string;
    stageId?: string;
    expectedCloseDate?: IsoDate;
    probability?: string;
    ownerSlackUserId?: string;
    organization?: PartyRef;
    person?: PartyRef;
  };
  /** Offer organization and person pickers that search the CRM as the person types. */
  partyPickers?: boolean;
  /**
   * A deal made from a Slack message: a Note field starting with `initial`, and `source`
   * under it (mrkdwn the caller made safe, e.g. "From <@U1> · a link to the message is added").
   */
  note?: { initial: string; source: string };
  /** An error banner at the top, plain words (escaped here). */
  banner?: string;
  /** A message per field, shown under the field in place of its hint. Plain words. */
  fieldErrors?: Partial<Record<DealFormField | DealFormExtraField, string>>;
}

const option = (text: string, value: string): PlainTextOption => ({ text: plainText(text, SlackLimits.optionText), value });

/** A static select that holds any number of options (grouped beyond 100, see select-options.ts). */
function staticSelect(actionId: string, options: PlainTextOption[], initialValue: string | undefined, placeholder: string): StaticSelect {
  const shown = selectOptions(options);
  const initial = allOptions(shown).find((o) => o.value === initialValue);
  return {
    type: 'static_select',
    action_id: actionId,
    placeholder: plainText(placeholder, 150),
    ...(initial ? { initial_option: initial } : {}),
    ...shown,
  };
}

/** A select that asks the app for options as the person types (`block_suggestion`). */
export function partySelect(actionId: string, placeholder: string, initial: PartyRef | undefined): ExternalSelect {
  return {
    type: 'external_select',
    action_id: actionId,
    placeholder: plainText(placeholder, 150),
    min_query_length: PICKER_MIN_QUERY,
    ...(initial ? { initial_option: option(initial.name, initial.id) } : {}),
  };
}

/** Options, or the single placeholder option a select needs while there is nothing to offer. */
const orWaiting = (options: PlainTextOption[], waiting: string): PlainTextOption[] =>
  options.length > 0 ? options : [option(waiting, LOADING_OPTION_VALUE)];

function inputBlock(
  id: DealFormField | DealFormExtraField,
  label: string,
  element: InputBlock['element'],
  options: { optional?: boolean; hint?: string; error?: string; dispatch?: boolean } = {},
): InputBlock {
  const hint = options.error ? `⚠️ ${options.error}` : options.hint;
  return {
    type: 'input',
    block_id: id,
    label: plainText(label, HINT_MAX),
    element,
    ...(options.optional ? { optional: true } : {}),
    ...(hint ? { hint: plainText(hint, HINT_MAX) } : {}),
    ...(options.dispatch ? { dispatch_action: true } : {}),
  };
}

const isIsoDate = (date: string | undefined): date is string => !!date && /^\d{4}-\d{2}-\d{2}$/.test(date);
const isPercent = (text: string | undefined): text is string => !!text && /^\d{1,3}$/.test(text) && Number(text) <= 100;

function currencyOptions(input: DealFormModalInput): PlainTextOption[] {
  const codes = [input.defaultCurrency, ...input.currencies, ...(input.initial?.currency ? [input.initial.currency] : [])]
    .map((c) => c.trim().toUpperCase())
    .filter((c) => /^[A-Z]{3}$/.test(c));
  return [...new Set(codes)].slice(0, SlackLimits.selectOptions).map((c) => option(c, c));
}

export function dealFormModal(input: DealFormModalInput): ModalView {
  const initial = input.initial ?? {};
  const errors = input.fieldErrors ?? {};
  const waiting = input.loading ? 'Loading…' : 'Nothing to choose from';
  const blocks: KnownBlock[] = [];

  if (input.banner) {
    blocks.push({ type: 'section', text: mrkdwnText(`⚠️ ${escapeMrkdwn(truncate(input.banner, BANNER_MAX))}`, SlackLimits.sectionText) });
  }
  if (input.loading) {
    blocks.push({
      type: 'context',
      elements: [mrkdwnText(`Loading pipelines and stages from ${escapeMrkdwn(input.crmName)}…`, SlackLimits.sectionText)],
    });
  }

  const pipelines = [...input.pipelines].sort((a, b) => a.order - b.order).map((p) => option(p.name, p.id));
  const stages = [...input.stages].sort((a, b) => a.order - b.order).map((s) => option(s.name, s.id));
  const stageId = initial.stageId ?? stages[0]?.value;
  const currencies = currencyOptions(input);
  const typed = initial.currency?.trim().toUpperCase();
  const currency = currencies.some((o) => o.value === typed) ? typed : input.defaultCurrency.trim().toUpperCase();

  blocks.push(
    inputBlock(
      DealFormField.title,
      'Title',
      {
        type: 'plain_text_input',
        action_id: DealFormField.title,
        max_length: DEAL_TITLE_MAX,
        placeholder: plainText('Acme renewal', 150),
        ...(initial.title ? { initial_value: truncate(initial.title, DEAL_TITLE_MAX) } : {}),
      },
      { error: errors[DealFormField.title] },
    ),
    inputBlock(
      DealFormField.value,
      'Value',
      {
        type: 'plain_text_input',
        action_id: DealFormField.value,
        max_length: 100,
        placeholder: plainText('12k, 1.5m, 12,000', 150),
        ...(initial.value ? { initial_value: truncate(initial.value, 100) } : {}),
      },
      { optional: true, error: errors[DealFormField.value] },
    ),
    inputBlock(DealFormField.currency, 'Currency', staticSelect(DealFormField.currency, currencies, currency, 'Currency'), {
      error: errors[DealFormField.currency],
    }),
    inputBlock(
      DealFormField.pipeline,
      'Pipeline',
      // Dispatched, so the stage list can follow the chosen pipeline.
      staticSelect(ActionId.formPipeline, orWaiting(pipelines, waiting), input.selectedPipelineId ?? undefined, 'Pick a pipeline'),
      { dispatch: true, error: errors[DealFormField.pipeline], ...(input.loading ? { hint: 'Loading…' } : {}) },
    ),
    inputBlock(
      DealFormField.stage,
      'Stage',
      // The action id names the pipeline: Slack keeps a select's choice across updates while
      // its ids stay the same, so a stage picked in the previous pipeline would survive a
      // pipeline change. A new id makes the select start over at the new pipeline's first stage.
      staticSelect(stageActionId(input.selectedPipelineId), orWaiting(stages, waiting), stageId, 'Pick a stage'),
      { error: errors[DealFormField.stage], ...(input.loading ? { hint: 'Loading…' } : {}) },
    ),
  );
  if (input.partyPickers) {
    blocks.push(
      inputBlock(
        DealFormExtraField.organization,
        'Organization',
        partySelect(DealFormExtraField.organization, 'Type 2 letters to search', initial.organization),
        { optional: true, error: errors[DealFormExtraField.organization] },
      ),
      inputBlock(DealFormExtraField.person, 'Person', partySelect(DealFormExtraField.person, 'Type 2 letters to search', initial.person), {
        optional: true,
        error: errors[DealFormExtraField.person],
      }),
    );
  }
  blocks.push(
    inputBlock(
      DealFormField.expectedCloseDate,
      'Expected close date',
      {
        type: 'datepicker',
        action_id: DealFormField.expectedCloseDate,
        ...(isIsoDate(initial.expectedCloseDate) ? { initial_date: initial.expectedCloseDate } : {}),
      },
      { optional: true, error: errors[DealFormField.expectedCloseDate] },
    ),
    inputBlock(
      DealFormField.probability,
      'Probability (%)',
      {
        type: 'number_input',
        action_id: DealFormField.probability,
        is_decimal_allowed: false,
        min_value: '0',
        max_value: '100',
        ...(isPercent(initial.probability) ? { initial_value: initial.probability } : {}),
      },
      { optional: true, error: errors[DealFormField.probability] },
    ),
    inputBlock(
      DealFormField.owner,
      'Owner',
      {
        type: 'users_select',
        action_id: DealFormField.owner,
        placeholder: plainText('Pick a person', 150),
        ...(initial.ownerSlackUserId ? { initial_user: initial.ownerSlackUserId } : {}),
      },
      {
        optional: true,
        hint: `Mapped to the ${input.crmName} user with the same email`,
        error: errors[DealFormField.owner],
      },
    ),
  );
  if (input.note) {
    blocks.push(
      inputBlock(
        DealFormExtraField.note,
        'Note',
        {
          type: 'plain_text_input',
          action_id: DealFormExtraField.note,
          multiline: true,
          max_length: SlackLimits.plainTextInputMax,
          ...(input.note.initial ? { initial_value: truncate(input.note.initial, SlackLimits.plainTextInputMax) } : {}),
        },
        { optional: true, error: errors[DealFormExtraField.note] },
      ),
      { type: 'context', elements: [mrkdwnText(input.note.source, SlackLimits.sectionText)] },
    );
  }

  return {
    type: 'modal',
    callback_id: CallbackId.createDealModal,
    title: plainText('New deal', SlackLimits.modalTitle),
    submit: plainText('Create', SlackLimits.modalTitle),
    close: plainText('Cancel', SlackLimits.modalTitle),
    private_metadata: input.privateMetadata,
    blocks: blocks.slice(0, SlackLimits.modalBlocks),
  };
}

/** The typed values a form starts with; empty ones are left for the placeholders. */
function initialFrom(draft: DealFormDraft): NonNullable<DealFormModalInput['initial']> {
  return {
    ...(draft.title ? { title: draft.title } : {}),
    ...(draft.value ? { value: draft.value } : {}),
    ...(draft.currency ? { currency: draft.currency } : {}),
    ...(draft.stageId ? { stageId: draft.stageId } : {}),
    ...(draft.expectedCloseDate ? { expectedCloseDate: draft.expectedCloseDate } : {}),
    ...(draft.probability ? { probability: draft.probability } : {}),
    ...(draft.ownerSlackUserId ? { ownerSlackUserId: draft.ownerSlackUserId } : {}),
  };
}

/** The create form as it opens, before the CRM has answered: the selects say "Loading…". */
export function loadingDealFormModal(input: {
  draft: DealFormDraft;
  crmName: string;
  privateMetadata: string;
  partyPickers: boolean;
}): ModalView {
  return dealFormModal({
    pipelines: [],
    stages: [],
    selectedPipelineId: null,
    defaultCurrency: 'EUR',
    currencies: OFFERED_CURRENCIES,
    loading: true,
    crmName: input.crmName,
    privateMetadata: input.privateMetadata,
    initial: initialFrom(input.draft),
    // The pickers ask the CRM only when someone types, so they can be there from the start.
    partyPickers: input.partyPickers,
  });
}

/** Where a submission's problem is shown: beside its field, or as a banner on top. */
function problemShown(problem: CreateDealProblem, crmName: string): Pick<DealFormModalInput, 'banner' | 'fieldErrors'> {
  if (problem.kind === 'owner-unknown') {
    const { owner } = problem;
    const who = owner.email ? `${owner.name} (${owner.email})` : owner.name;
    return {
      fieldErrors: {
        [DealFormField.owner]: `${crmName} has no user with the email of ${who}. Pick someone with a ${crmName} account, or leave it empty.`,
      },
    };
  }
  const block = problem.kind === 'refused' && problem.field ? FORM_BLOCK_FOR_FIELD[problem.field] : undefined;
  if (problem.kind === 'refused' && block) return { fieldErrors: { [block]: `${crmName}: ${problem.crmMessage}` } };
  return { banner: `${errorMessage(problem.error, crmName).summary} Everything you typed is still here.` };
}

/** The create form filled in, with what was typed; after a failed submission, with what went wrong. */
export function dealFormView(form: DealForm, input: { crmName: string; privateMetadata: string; problem?: CreateDealProblem }): ModalView {
  const { draft } = form;
  return dealFormModal({
    pipelines: form.pipelines,
    stages: form.stages,
    selectedPipelineId: form.selectedPipelineId,
    defaultCurrency: form.defaultCurrency,
    currencies: OFFERED_CURRENCIES,
    loading: false,
    crmName: input.crmName,
    privateMetadata: input.privateMetadata,
    initial: {
      ...initialFrom(draft),
      ...(draft.organization ? { organization: draft.organization } : {}),
      ...(draft.person ? { person: draft.person } : {}),
    },
    partyPickers: form.partyPickers,
    ...(form.note ? { note: { initial: form.note.text, source: messageSourceLine(form.note.source, input.crmName) } } : {}),
    ...(input.problem ? problemShown(input.problem, input.crmName) : {}),
  });
}

/** The create modal while the CRM creates the deal. */
export function creatingDealModal(title: string, crmName: string): ModalView {
  return noticeModal({ title: 'New deal', text: `Creating *${escapeMrkdwn(title)}* in ${escapeMrkdwn(crmName)}…` });
}

const createdLine = (deal: Deal): string => `Created *${escapeMrkdwn(deal.title)}* (#${escapeMrkdwn(deal.id)}).`;

/** The create modal once the deal exists: for a message, where its note and card went. */
export function dealCreatedModal(outcome: DealCreated, crmName: string): ModalView {
  const done = createdLine(outcome.deal);
  const note = outcome.fromMessage?.note;
  const noteLine = !note
    ? ''
    : note.kind === 'not-saved'
      ? `\n\n⚠️ The deal exists, but the note was not saved: ${escapeMrkdwn(errorMessage(note.error, crmName).summary)}`
      : note.kind === 'on-deal'
        ? ' The message is on it as a note, and its card is in the thread.'
        : ' Its card is in the thread.';
  return noticeModal({ title: 'Deal created', text: `${done}${noteLine}` });
}

/** The create modal when the deal exists but telling about it failed: what is missing, never the form again. */
export function dealCreatedButModal(deal: Deal, error: unknown, crmName: string): ModalView {
  const problem = escapeMrkdwn(errorMessage(error, crmName).summary);
  return noticeModal({ title: 'Deal created', text: `${createdLine(deal)}\n\n⚠️ But: ${problem}` });
}

/** The context line of the card a deal created through the form gets. */
export const createdByLine = (userId: string): string => `Created by <@${userId}>`;

/** The stage select's action id for a pipeline; `readDealForm` reads the block whatever its action id. */
export function stageActionId(pipelineId: string | null): string {
  return pipelineId ? truncate(`${DealFormField.stage}:${pipelineId}`, ACTION_ID_MAX) : DealFormField.stage;
}

export interface LostReasonModalInput {
  deal: Deal;
  privateMetadata: string;
  /** What the person typed before a failed submission. */
  initialReason?: string;
  /** An error banner at the top, plain words (escaped here). */
  banner?: string;
}

export function lostReasonModal(input: LostReasonModalInput): ModalView {
  const { deal } = input;
  const blocks: KnownBlock[] = [];
  if (input.banner) {
    blocks.push({ type: 'section', text: mrkdwnText(`⚠️ ${escapeMrkdwn(truncate(input.banner, BANNER_MAX))}`, SlackLimits.sectionText) });
  }
  const title = escapeMrkdwn(truncate(deal.title.trim() || 'Untitled deal', 200));
  blocks.push(
    { type: 'section', text: mrkdwnText(`Why was *${title}* lost?`, SlackLimits.sectionText) },
    {
      type: 'input',
      block_id: LostFormField.reason,
      label: plainText('Reason', HINT_MAX),
      element: {
        type: 'plain_text_input',
        action_id: LostFormField.reason,
        multiline: true,
        max_length: LOST_REASON_MAX,
        placeholder: plainText('No budget this year', 150),
        ...(input.initialReason ? { initial_value: truncate(input.initialReason, LOST_REASON_MAX) } : {}),
      },
    },
  );
  return {
    type: 'modal',
    callback_id: CallbackId.lostReasonModal,
    title: plainText('Mark as lost', SlackLimits.modalTitle),
    submit: plainText('Mark lost', SlackLimits.modalTitle),
    close: plainText('Cancel', SlackLimits.modalTitle),
    private_metadata: input.privateMetadata,
    blocks,
  };
}
