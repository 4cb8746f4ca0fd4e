// Checks the create-deal form. Pure: what the person typed in (read from the modal by
// `listeners/modal-state.ts`), either a deal to create or an error per deal field out (the
// listener shows each next to its field). The raw values are kept so a re-drawn modal loses
// nothing.

import { DateTime } from 'luxon';
import type { DealField, IsoDate, NewDeal } from '../crm/port.js';
import { isCurrencyCode, parseAmount } from '../parse/amount.js';

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

export type DealFormErrors = Partial<Record<DealField, string>>;

export type DealFormCheck =
  | { ok: true; deal: Omit<NewDeal, 'ownerId'>; ownerSlackUserId: string | null }
  | { ok: false; errors: DealFormErrors };

export const TITLE_MAX = 255;

export function checkDealForm(form: DealFormValues, defaultCurrency: string): DealFormCheck {
  const errors: DealFormErrors = {};

  if (!form.title) errors.title = 'Give the deal a title.';
  else if (form.title.length > TITLE_MAX) errors.title = `Keep the title under ${TITLE_MAX} characters.`;

  let value: NewDeal['value'] = null;
  if (form.value) {
    const parsed = parseAmount(form.value);
    if (!parsed) {
      errors.value = 'Type an amount like 12000, 12k, 1.5m or €12,000.';
    } else {
      const currency = parsed.currency ?? form.currency ?? defaultCurrency;
      if (form.currency && parsed.currency && parsed.currency !== form.currency) {
        errors.value = `The amount says ${parsed.currency} but the currency is ${form.currency}; pick one.`;
      } else if (!isCurrencyCode(currency)) {
        errors.currency = `${currency} is not a currency code.`;
      } else {
        value = { amount: parsed.amount, currency };
      }
    }
  }

  let probability: number | null = null;
  if (form.probability) {
    const n = Number(form.probability.replace(/%$/, '').trim());
    if (!Number.isInteger(n) || n < 0 || n > 100) errors.probability = 'Use a whole number from 0 to 100.';
    else probability = n;
  }

  if (form.expectedCloseDate && !DateTime.fromISO(form.expectedCloseDate, { zone: 'UTC' }).isValid) {
    errors.expectedCloseDate = 'Pick a date from the calendar.';
  }
  if (!form.stageId) errors.stageId = 'Pick a stage.';

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
