import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ErrorContext } from '../../../src/crm/http/http-client.js';
import { mapPipelineDealsError, readValidation } from '../../../src/crm/pipelinedeals/pipelinedeals-errors.js';
import { CrmNotFoundError, CrmValidationError } from '../../../src/errors.js';

const seedError = JSON.parse(
  readFileSync(new URL('../../fixtures/pipelinedeals/error-name-blank.json', import.meta.url), 'utf8'),
) as unknown;

function context(status: number, body: unknown, method = 'POST'): ErrorContext {
  const request = { method, url: 'https://api.pipelinecrm.com/api/v3/deals/8.json?api_key=[redacted]' };
  return {
    status,
    body,
    request,
    notFound: { entity: 'deal', id: '8' },
    init: { crm: 'PipelineDeals', status, request, response: body },
  };
}

describe('readValidation', () => {
  it.each([
    ['name', 'Name', "can't be blank", 'title'],
    ['value', 'Value', 'is not a number', 'value'],
    ['deal_stage_id', 'Deal stage', 'is invalid', 'stageId'],
    ['deal_stage', 'Deal stage', 'must exist', 'stageId'],
    ['user_id', 'Owner', 'is invalid', 'ownerId'],
    ['user', 'User', 'must exist', 'ownerId'],
    ['expected_close_date', 'Expected close date', 'is not a date', 'expectedCloseDate'],
    ['probability', 'Probability', 'must be less than or equal to 100', 'probability'],
    ['company_id', 'Company', 'is invalid', 'organizationId'],
    ['primary_contact_id', 'Primary contact', 'is invalid', 'personId'],
    ['deal_loss_reason_id', 'Deal loss reason', 'is required', 'lostReason'],
    ['currency', 'Currency', 'is invalid', 'currency'],
    ['custom_label_7', 'Region', "can't be blank", null],
  ])('maps %s to its deal field with the humanized message', (field, humanized, msg, expected) => {
    expect(readValidation([{ field, humanized_field: humanized, msg }], 422)).toEqual({
      message: `${humanized} ${msg}`,
      field: expected,
    });
  });

  it("reads the seed's 422 body", () => {
    expect(readValidation(seedError, 422)).toEqual({ message: "Name can't be blank", field: 'title' });
  });

  it('joins several messages and names the first field it knows', () => {
    const body = [
      { field: 'custom_label_7', humanized_field: 'Region', msg: "can't be blank" },
      { field: 'deal[user_id]', humanized_field: 'Owner', msg: 'is invalid' },
    ];
    expect(readValidation(body, 422)).toEqual({ message: "Region can't be blank; Owner is invalid", field: 'ownerId' });
  });

  it("reads an `{error}` body, Rails' `{attribute: [messages]}` and plain text", () => {
    expect(readValidation({ error: 'Deal is locked' }, 422)).toEqual({ message: 'Deal is locked', field: null });
    expect(readValidation({ expected_close_date: ['is not a date'] }, 422)).toEqual({
      message: 'expected close date is not a date',
      field: 'expectedCloseDate',
    });
    expect(readValidation('Bad deal', 400)).toEqual({ message: 'Bad deal', field: null });
    expect(readValidation(undefined, 422).message).toContain('HTTP 422');
  });
});

describe('mapPipelineDealsError', () => {
  it('maps a 422 on a write to a validation error with the field', () => {
    const error = mapPipelineDealsError(context(422, seedError)) as CrmValidationError;
    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error.field).toBe('title');
    expect(error.crmMessage).toBe("Name can't be blank");
    expect(error.status).toBe(422);
  });

  it('maps the empty 422 of a deal read to an unknown deal, but not an empty 422 on a write', () => {
    const read = mapPipelineDealsError(context(422, undefined, 'GET')) as CrmNotFoundError;
    expect(read).toBeInstanceOf(CrmNotFoundError);
    expect(read.id).toBe('8');
    expect(mapPipelineDealsError(context(422, undefined, 'PUT'))).toBeInstanceOf(CrmValidationError);
  });

  it('leaves 401, 403 and 404 to the shared mapping', () => {
    expect(mapPipelineDealsError(context(401, { error: 'Unauthorized' }))).toBeUndefined();
    expect(mapPipelineDealsError(context(403, undefined))).toBeUndefined();
    expect(mapPipelineDealsError(context(404, undefined, 'PUT'))).toBeUndefined();
  });
});
