// Checks the values a person typed into a deal, the way a real CRM's API would: each bad
// value is refused with a `CrmValidationError` naming the `DealField`, so the modal can show
// the message next to that field. References (stage, owner, organization) are checked
// against the catalog by `local-crm.ts`; here only the values themselves.

import { DateTime } from 'luxon';
import type { DealField, DealPatch, IsoDate, Money } from '../port.js';
import { CrmValidationError } from '../../errors.js';

export const LOCAL_CRM_NAME = 'Dealbot CRM';
export const MAX_TITLE_LENGTH = 255;
export const MAX_LOST_REASON_LENGTH = 255;
export const MAX_NOTE_LENGTH = 10_000;

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function invalid(field: DealField | null, message: string): CrmValidationError {
  return new CrmValidationError(message, field, { crm: LOCAL_CRM_NAME });
}

/** The fields of a patch after checking: present only when the caller set them. */
export interface CheckedDealFields {
  title?: string;
  value?: Money | null;
  ownerId?: string | null;
  organizationId?: string | null;
  personId?: string | null;
  expectedCloseDate?: IsoDate | null;
  probability?: number | null;
}

/** Checks every field present in `input` (absent or `undefined` means "not changing"). */
export function checkDealFields(input: DealPatch): CheckedDealFields {
  const checked: CheckedDealFields = {};
  if (input.title !== undefined) checked.title = checkTitle(input.title);
  if (input.value !== undefined) checked.value = checkMoney(input.value);
  if (input.ownerId !== undefined) checked.ownerId = checkReference(input.ownerId, 'ownerId');
  if (input.organizationId !== undefined) checked.organizationId = checkReference(input.organizationId, 'organizationId');
  if (input.personId !== undefined) checked.personId = checkReference(input.personId, 'personId');
  if (input.expectedCloseDate !== undefined) checked.expectedCloseDate = checkCloseDate(input.expectedCloseDate);
  if (input.probability !== undefined) checked.probability = checkProbability(input.probability);
  return checked;
}

export function checkTitle(title: string | null): string {
  if (typeof title !== 'string' || title.trim() === '') throw invalid('title', 'A deal needs a title.');
  const trimmed = title.trim();
  if (trimmed.length > MAX_TITLE_LENGTH) {
    throw invalid('title', `The title is ${trimmed.length} characters long; at most ${MAX_TITLE_LENGTH} are allowed.`);
  }
  return trimmed;
}

export function checkMoney(value: Money | null): Money | null {
  if (value === null) return null;
  if (typeof value.amount !== 'number' || !Number.isFinite(value.amount)) {
    throw invalid('value', 'The value must be a number.');
  }
  if (value.amount < 0) throw invalid('value', 'The value cannot be negative.');
  if (typeof value.currency !== 'string' || !/^[A-Z]{3}$/.test(value.currency)) {
    throw invalid('currency', 'The currency must be a three-letter ISO 4217 code such as EUR.');
  }
  if (!KNOWN_CURRENCIES.has(value.currency)) throw invalid('currency', `${value.currency} is not a known currency.`);
  return { amount: value.amount, currency: value.currency };
}

function checkReference(id: string | null, field: DealField): string | null {
  if (id === null) return null;
  if (typeof id !== 'string' || id.trim() === '') throw invalid(field, 'The id is empty.');
  return id.trim();
}

export function checkCloseDate(date: IsoDate | null): IsoDate | null {
  if (date === null) return null;
  const valid = typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date, { zone: 'utc' }).isValid;
  if (!valid) throw invalid('expectedCloseDate', 'The expected close date must be a real date written YYYY-MM-DD.');
  return date;
}

export function checkProbability(probability: number | null): number | null {
  if (probability === null) return null;
  if (typeof probability !== 'number' || !Number.isFinite(probability) || probability < 0 || probability > 100) {
    throw invalid('probability', 'The probability must be a percentage from 0 to 100.');
  }
  return probability;
}

/** A lost reason is optional; blank means none. */
export function checkLostReason(reason: string | null): string | null {
  if (reason === null || reason === undefined) return null;
  if (typeof reason !== 'string') throw invalid('lostReason', 'The lost reason must be text.');
  const trimmed = reason.trim();
  if (trimmed === '') return null;
  if (trimmed.length > MAX_LOST_REASON_LENGTH) {
    throw invalid('lostReason', `The lost reason is ${trimmed.length} characters long; at most ${MAX_LOST_REASON_LENGTH} are allowed.`);
  }
  return trimmed;
}
