// Checks the create-deal form. Pure: what the person typed in (read from the modal by
// `listeners/modal-state.ts`), either a deal to create or a mistake per deal field out (the
// ui words each, `ui/deal-form-errors.ts`, and the listener shows it next to its field). The
// raw values are kept so a re-drawn modal loses nothing.

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

/** What is wrong with one field, for the ui to put in words. */
export type DealFormMistake =
  | { kind: 'title-missing' }
  | { kind: 'title-too-long'; max: number }
  | { kind: 'amount-unreadable' }
  | { kind: 'currency-conflict'; typed: string; selected: string }
  | { kind: 'not-a-currency'; code: string }
  | { kind: 'probability-out-of-range' }
  | { kind: 'date-invalid' }
  | { kind: 'stage-missing' };

export type DealFormErrors = Partial<Record<DealField, DealFormMistake>>;

export type DealFormCheck =
  { ok: true; deal: Omit<NewDeal, 'ownerId'>; ownerSlackUserId: string | null } | { ok: false; errors: DealFormErrors };

export const TITLE_MAX = 255;

export function checkDealForm(form: DealFormValues, defaultCurrency: string): DealFormCheck {
  const errors: DealFormErrors = {};

  if (!form.title) errors.title = { kind: 'title-missing' };
  else if (form.title.length > TITLE_MAX) errors.title = { kind: 'title-too-long', max: TITLE_MAX };

  let value: NewDeal['value'] = null;
  if (form.value) {
    const parsed = parseAmount(form.value);
    if (!parsed) {
      errors.value = { kind: 'amount-unreadable' };
    } else {
      const currency = parsed.currency ?? form.currency ?? defaultCurrency;
      if (form.currency && parsed.currency && parsed.currency !== form.currency) {
        errors.value = { kind: 'currency-conflict', typed: parsed.currency, selected: form.currency };
      } else if (!isCurrencyCode(currency)) {
        errors.currency = { kind: 'not-a-currency', code: currency };
      } else {
        value = { amount: parsed.amount, currency };
      }
    }
  }

  let probability: number | null = null;
  if (form.probability) {
    const n = Number(form.probability.replace(/%$/, '').trim());
    if (!Number.isInteger(n) || n < 0 || n > 100) errors.probability = { kind: 'probability-out-of-range' };
    else probability = n;
  }

  if (form.expectedCloseDate && !DateTime.fromISO(form.expectedCloseDate, { zone: 'UTC' }).isValid) {
    errors.expectedCloseDate = { kind: 'date-invalid' };
  }
  if (!form.stageId) errors.stageId = { kind: 'stage-missing' };

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
