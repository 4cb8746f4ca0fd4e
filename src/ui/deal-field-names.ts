// How each deal field is named to a person, in one place: "the expected close date" in a
// sentence, "Expected close date" as a label. Adapters keep the CRM's own words; the field a
// CRM error concerns is named here.

import type { DealField } from '../crm/port.js';

const FIELD_NAMES: Record<DealField, string> = {
  title: 'title',
  value: 'value',
  currency: 'currency',
  pipelineId: 'pipeline',
  stageId: 'stage',
  ownerId: 'owner',
  organizationId: 'organization',
  personId: 'person',
  expectedCloseDate: 'expected close date',
  probability: 'probability',
  lostReason: 'lost reason',
};

/** The field inside a sentence: "the expected close date". */
export function dealFieldName(field: DealField): string {
  return FIELD_NAMES[field];
}

/** The field as a label: "Expected close date". */
export function dealFieldLabel(field: DealField): string {
  const name = FIELD_NAMES[field];
  return name.charAt(0).toUpperCase() + name.slice(1);
}
