// Reads what the create modal holds besides the deal fields `deal-form.ts` reads: the
// organization and person picked by searching, and the note of a deal made from a message.
// Pure: Slack's `view.state.values` in; the picked options keep their names so a redrawn
// modal shows them again without asking the CRM.

import type { PartyRef } from '../crm/port.js';
import { AttachFormField, DealFormExtraField } from '../ui/ids.js';

export interface DealFormExtras {
  organization: PartyRef | null;
  person: PartyRef | null;
  /** The note as typed, trimmed; null when empty or when the modal has no note field. */
  note: string | null;
}

interface SlackInputState {
  value?: string | null;
  selected_option?: { value?: string; text?: { text?: string } | string } | null;
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
