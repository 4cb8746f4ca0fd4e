// Reads and checks the create-deal modal. Pure: Slack's `view.state.values` in, either a
// deal to create or an error per field out (shown next to the field with
// `response_action: errors`). The raw values are kept so a re-drawn modal loses nothing.

import { DateTime } from 'luxon';
import type { IsoDate, NewDeal } from '../crm/port.js';
import { isCurrencyCode, parseAmount } from '../parse/amount.js';
import { LOADING_OPTION_VALUE } from '../ui/deal-form-modal.js';
import { DealFormField } from '../ui/ids.js';

/** What the person typed or picked, as typed. */
export interface DealFormValues {
  title: string;
  value: string;
  currency: string | null;
  pipelineId: string | null;
  stageId: string | null;
  expectedCloseDate: IsoDate | null;
  probability: string;
  ownerSlackUserId: string | null;
}

export type DealFormErrors = Partial<Record<DealFormField, string>>;

export type DealFormCheck =
  | { ok: true; deal: Omit<NewDeal, 'ownerId'>; ownerSlackUserId: string | null }
  | { ok: false; errors: DealFormErrors };

interface SlackInputState {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_date?: string | null;
  selected_user?: string | null;
}
type SlackStateValues = Record<string, Record<string, SlackInputState>>;

function field(values: SlackStateValues, id: DealFormField): SlackInputState | undefined {
  const block = values[id];
  if (!block) return undefined;
  return block[id] ?? Object.values(block)[0];
}

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

export const TITLE_MAX = 255;

export function checkDealForm(form: DealFormValues, defaultCurrency: string): DealFormCheck {
  const errors: DealFormErrors = {};

  if (!form.title) errors[DealFormField.title] = 'Give the deal a title.';
  else if (form.title.length > TITLE_MAX) errors[DealFormField.title] = `Keep the title under ${TITLE_MAX} characters.`;

  let value: NewDeal['value'] = null;
  if (form.value) {
    const parsed = parseAmount(form.value);
    if (!parsed) {
      errors[DealFormField.value] = 'Type an amount like 12000, 12k, 1.5m or €12,000.';
    } else {
      const currency = parsed.currency ?? form.currency ?? defaultCurrency;
      if (form.currency && parsed.currency && parsed.currency !== form.currency) {
        errors[DealFormField.value] = `The amount says ${parsed.currency} but the currency is ${form.currency}; pick one.`;
      } else if (!isCurrencyCode(currency)) {
        errors[DealFormField.currency] = `${currency} is not a currency code.`;
      } else {
        value = { amount: parsed.amount, currency };
      }
    }
  }

  let probability: number | null = null;
  if (form.probability) {
    const n = Number(form.probability.replace(/%$/, '').trim());
    if (!Number.isInteger(n) || n < 0 || n > 100) errors[DealFormField.probability] = 'Use a whole number from 0 to 100.';
    else probability = n;
  }

  if (form.expectedCloseDate && !DateTime.fromISO(form.expectedCloseDate, { zone: 'UTC' }).isValid) {
    errors[DealFormField.expectedCloseDate] = 'Pick a date from the calendar.';
  }
  if (!form.stageId) errors[DealFormField.stage] = 'Pick a stage.';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    deal: {
      title: form.title,
      value,
      pipelineId: form.pipelineId,
      stageId: form.stageId,
      expectedCloseDate: form.expectedCloseDate,
      probability,
    },
    ownerSlackUserId: form.ownerSlackUserId,
  };
}
