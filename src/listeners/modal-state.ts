// Reads our modals' `view.state.values` as Slack sends them: the create modal's deal fields
// (as typed, for `services/deal-form.ts` to check), the organization and person picked by
// searching, the note of a deal made from a message, and the "Attach to deal" modal. Pure.
// Picked options keep their names so a redrawn modal shows them again without asking the
// CRM. The block ids are the ui's (`ui/ids.ts`); the use cases never see them.

import type { DealField, PartyRef } from '../crm/port.js';
import type { DealFormErrors, DealFormMistake, DealFormValues } from '../services/deal-form.js';
import { dealFormMistakeText } from '../ui/deal-form-errors.js';
import { LOADING_OPTION_VALUE } from '../ui/deal-form-modal.js';
import { AttachFormField, DealFormExtraField, DealFormField, FORM_BLOCK_FOR_FIELD } from '../ui/ids.js';

export interface DealFormExtras {
  organization: PartyRef | null;
  person: PartyRef | null;
  /** The note as typed, trimmed; null when empty or when the modal has no note field. */
  note: string | null;
}

interface SlackInputState {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string; text?: { text?: string } | string } | null;
  selected_date?: string | null;
  selected_user?: string | null;
}
type SlackStateValues = Record<string, Record<string, SlackInputState>>;

function field(values: SlackStateValues, id: string): SlackInputState | undefined {
  const block = values[id];
  if (!block) return undefined;
  return block[id] ?? Object.values(block)[0];
}

/** The option an external select holds, as the id and the name it showed. */
export function pickedOption(values: SlackStateValues, id: string): PartyRef | null {
  const option = field(values, id)?.selected_option;
  const value = option?.value?.trim();
  if (!option || !value || value.length > 64) return null;
  const text = typeof option.text === 'string' ? option.text : option.text?.text;
  return { id: value, name: text?.trim() || value };
}

function note(values: SlackStateValues, id: string): string | null {
  const text = field(values, id)?.value?.trim();
  return text ? text : null;
}

export function readDealFormExtras(values: SlackStateValues): DealFormExtras {
  return {
    organization: pickedOption(values, DealFormExtraField.organization),
    person: pickedOption(values, DealFormExtraField.person),
    note: note(values, DealFormExtraField.note),
  };
}

/** The "Attach to deal" modal: the deal picked and the note typed. */
export function readAttachForm(values: SlackStateValues): { deal: PartyRef | null; note: string | null } {
  return { deal: pickedOption(values, AttachFormField.deal), note: note(values, AttachFormField.note) };
}

/** The create modal's deal fields, as typed or picked. */
export function readDealForm(values: SlackStateValues): DealFormValues {
  const text = (id: DealFormField) => (field(values, id)?.value ?? '').trim();
  const option = (id: DealFormField) => {
    const value = field(values, id)?.selected_option?.value ?? null;
    // While the modal is still loading, selects hold a placeholder, not a choice.
    return value === LOADING_OPTION_VALUE ? null : value;
  };
  return {
    title: text(DealFormField.title).replace(/\s+/g, ' '),
    value: text(DealFormField.value),
    currency: option(DealFormField.currency),
    pipelineId: option(DealFormField.pipeline),
    stageId: option(DealFormField.stage),
    expectedCloseDate: field(values, DealFormField.expectedCloseDate)?.selected_date ?? null,
    probability: text(DealFormField.probability),
    ownerSlackUserId: field(values, DealFormField.owner)?.selected_user ?? null,
  };
}

/**
 * The create modal's whole draft, its deal fields and the extras. Built by adding the extras to
 * the fields' object: `{ ...fields, ...extras }` would give every draft a hidden class of its own
 * on Node 20 (an object made by a leading spread and then given keys; listeners/context.ts).
 */
export function readDealDraft(values: SlackStateValues): DealFormValues & DealFormExtras {
  return Object.assign(readDealForm(values), readDealFormExtras(values));
}

/** Errors per deal field in words, keyed by the create modal's block ids (`response_action: errors`). */
export type DealFormBlockErrors = Partial<Record<DealFormField | DealFormExtraField, string>>;

export function dealFormBlockErrors(errors: DealFormErrors): DealFormBlockErrors {
  const byBlock: DealFormBlockErrors = {};
  for (const [dealField, mistake] of Object.entries(errors) as Array<[DealField, DealFormMistake]>) {
    const block = FORM_BLOCK_FOR_FIELD[dealField];
    if (block) byBlock[block] = dealFormMistakeText(mistake);
  }
  return byBlock;
}
