import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ErrorContext } from '../../../src/crm/http/http-client.js';
import { attributeOfPointer, dealFieldOfPointer, mapProductiveError } from '../../../src/crm/productive/productive-errors.js';
import { CrmConflictError, CrmValidationError } from '../../../src/errors.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/productive/${name}.json`, import.meta.url), 'utf8'));
}

function context(status: number, body: unknown): ErrorContext {
  const request = { method: 'PATCH', url: 'https://api.productive.io/api/v2/deals/182' };
  return {
    status,
    body,
    request,
    notFound: { entity: 'deal', id: '182' },
    init: { crm: 'Productive', status, request, response: body },
  };
}

describe('mapProductiveError: every error the seed documents', () => {
  it.each([
    ['error-name-blank', 'title', "Title: can't be blank"],
    ['error-name-and-pipeline-blank', 'title', "Title: can't be blank; Pipeline: can't be blank"],
    [
      'error-probability-unavailable',
      'probability',
      'Probability: feature unavailable (win probability is not enabled for this Productive organization)',
    ],
    ['error-probability-and-pipeline-blank', 'probability', "Probability: can't be blank; Pipeline: can't be blank"],
    ['error-status-change-with-active-deals', 'stageId', 'Stage: not allowed to change stage status with active deals'],
    ['error-merge-status-mismatch', 'stageId', 'Stage: cannot merge stages with different statuses'],
    ['error-last-won-stage', 'stageId', "Stage: must have at least one stage with status 'Won'"],
  ])('%s (422) is a validation error on %s', (name, field, message) => {
    const error = mapProductiveError(context(422, fixture(name)));

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error).toMatchObject({ field, crmMessage: message, status: 422, crm: 'Productive' });
    expect(error?.message).toBe(`Productive rejected the request (${field}): ${message}`);
  });

  it('deal_status_in_use (409, no detail, empty source) is a conflict that says what to do', () => {
    const error = mapProductiveError(context(409, fixture('error-stage-in-use')));

    expect(error).toBeInstanceOf(CrmConflictError);
    expect(error?.message).toBe('Productive reported a conflict: the stage still holds deals; move them to another stage first');
  });

  it('keeps the words of an error it does not know and of a body that is no JSON:API document', () => {
    const unknown = mapProductiveError(
      context(422, {
        errors: [
          {
            status: '422',
            code: 'something_new',
            title: 'Invalid Attribute',
            detail: 'is odd',
            source: { pointer: 'data/attributes/purchase_order_number' },
          },
        ],
      }),
    );
    const text = mapProductiveError(context(400, 'Bad request: filter[nope] is not supported'));
    const other409 = mapProductiveError(
      context(409, { errors: [{ status: '409', code: 'stale', title: 'Conflict error', detail: 'edited meanwhile' }] }),
    );

    expect(unknown).toMatchObject({ field: null, crmMessage: 'Purchase order number: is odd' });
    expect(text).toMatchObject({ field: null, crmMessage: 'Bad request: filter[nope] is not supported' });
    expect(other409).toBeInstanceOf(CrmConflictError);
    expect(other409?.message).toContain('edited meanwhile');
  });

  it('leaves 401, 403 and 404 to the shared defaults', () => {
    for (const status of [401, 403, 404]) expect(mapProductiveError(context(status, { errors: [] }))).toBeUndefined();
  });
});

describe('pointers', () => {
  it('reads the documented form and the RFC 6901 and relationship forms', () => {
    expect(attributeOfPointer('data/attributes/name')).toBe('name');
    expect(attributeOfPointer('/data/attributes/end_date')).toBe('end_date');
    expect(attributeOfPointer('data/relationships/company')).toBe('company');
    expect(attributeOfPointer(undefined)).toBeNull();
    expect(attributeOfPointer('errors/0')).toBeNull();
  });

  it.each([
    ['data/attributes/name', 'title'],
    ['data/attributes/deal_value', 'value'],
    ['data/attributes/currency', 'currency'],
    ['data/attributes/pipeline', 'pipelineId'],
    ['data/attributes/deal_status', 'stageId'],
    ['data/attributes/responsible', 'ownerId'],
    ['data/attributes/company', 'organizationId'],
    ['data/attributes/contact', 'personId'],
    ['data/attributes/end_date', 'expectedCloseDate'],
    ['data/attributes/probability', 'probability'],
    ['data/attributes/lost_reason', 'lostReason'],
    ['data/attributes/color_id', null],
  ])('%s concerns %s', (pointer, field) => {
    expect(dealFieldOfPointer(pointer)).toBe(field);
  });
});
