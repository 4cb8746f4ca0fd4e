// The words for a mistake in the create form (`services/deal-form.ts` finds them), shown as
// the field's hint. Plain text: Slack shows field errors literally.

import type { DealFormMistake } from '../services/deal-form.js';

export function dealFormMistakeText(mistake: DealFormMistake): string {
  switch (mistake.kind) {
    case 'title-missing':
      return 'Give the deal a title.';
    case 'title-too-long':
      return `Keep the title under ${mistake.max} characters.`;
    case 'amount-unreadable':
      return 'Type an amount like 12000, 12k, 1.5m or €12,000.';
    case 'currency-conflict':
      return `The amount says ${mistake.typed} but the currency is ${mistake.selected}; pick one.`;
    case 'not-a-currency':
      return `${mistake.code} is not a currency code.`;
    case 'probability-out-of-range':
      return 'Use a whole number from 0 to 100.';
    case 'date-invalid':
      return 'Pick a date from the calendar.';
    case 'stage-missing':
      return 'Pick a stage.';
  }
}
