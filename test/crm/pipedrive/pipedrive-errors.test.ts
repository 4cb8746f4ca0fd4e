import { describe, expect, it } from 'vitest';
import { dealFieldFromMessage, mapPipedriveError } from '../../../src/crm/pipedrive/pipedrive-errors.js';
import type { ErrorContext } from '../../../src/crm/http/http-client.js';
import { CrmForbiddenError, CrmNotFoundError, CrmValidationError } from '../../../src/errors.js';

function context(status: number, body: unknown, method = 'POST'): ErrorContext {
  const request = { method, url: 'https://api.pipedrive.com/api/v2/deals' };
  return {
    status,
    body,
    request,
    notFound: { entity: 'deal', id: '7' },
    init: { crm: 'Pipedrive', status, request, response: body },
  };
}

describe('dealFieldFromMessage', () => {
  it.each([
    ["Parameter 'stage_id' must be an integer.", 'stageId'],
    ['Stage not found', 'stageId'],
    ['pipeline_id is not valid', 'pipelineId'],
    ['Invalid owner_id', 'ownerId'],
    ['User_id does not exist', 'ownerId'],
    ['Organization with id 4 not found', 'organizationId'],
    ["'org_id' must be integer", 'organizationId'],
    ['Person not found', 'personId'],
    ['expected_close_date must be in format YYYY-MM-DD', 'expectedCloseDate'],
    ['Lost reason can only be set if deal status is lost', 'lostReason'],
    ['probability must be between 0 and 100', 'probability'],
    ['Unknown currency XYZ', 'currency'],
    ['Title is required', 'title'],
    ['"value" must be a number', 'value'],
    ['Deal value must be positive', 'value'],
    ['Invalid value provided', null],
    ['Something went wrong', null],
  ] as const)('%s → %s', (message, field) => {
    expect(dealFieldFromMessage(message)).toBe(field);
  });
});

describe('mapPipedriveError', () => {
  it('turns a 400 into a validation error with the field and the CRM message', () => {
    const error = mapPipedriveError(context(400, { success: false, error: 'Title is required', error_info: 'See docs' }));

    expect(error).toBeInstanceOf(CrmValidationError);
    expect(error).toMatchObject({ field: 'title', crmMessage: 'Title is required', status: 400 });
  });

  it('reads the message of a non-Pipedrive body (a proxy, a mock server)', () => {
    const error = mapPipedriveError(context(422, { title: 'Invalid request', message: 'bad probability' }));

    expect(error).toMatchObject({ field: 'probability', crmMessage: 'bad probability' });
  });

  it('treats a 404 on a write that names a stage as a validation error on the stage', () => {
    expect(mapPipedriveError(context(404, { success: false, error: 'Stage not found' }, 'PATCH'))).toMatchObject({
      field: 'stageId',
    });
    const read = mapPipedriveError(context(404, { success: false, error: 'Stage not found' }, 'GET'));
    expect(read).toBeInstanceOf(CrmNotFoundError);
    expect(read).toMatchObject({ entity: 'deal', id: '7' });
  });

  it('treats 402 (not on the plan) as forbidden and leaves the rest to the defaults', () => {
    expect(mapPipedriveError(context(402, {}))).toBeInstanceOf(CrmForbiddenError);
    expect(mapPipedriveError(context(401, {}))).toBeUndefined();
  });
});
