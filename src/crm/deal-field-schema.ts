// The port's `DealField` vocabulary as a zod schema, for the stores that name a changed field
// (the embedded CRM's deal history, the journal kept for CRMs without one): a field name read
// back from the store is checked against the port's list rather than trusted.

import { z } from 'zod';
import type { DealField } from './port.js';

const DEAL_FIELDS = [
  'title',
  'value',
  'currency',
  'pipelineId',
  'stageId',
  'ownerId',
  'organizationId',
  'personId',
  'expectedCloseDate',
  'probability',
  'lostReason',
] as const satisfies readonly DealField[];

export const dealFieldSchema = z.enum(DEAL_FIELDS);
