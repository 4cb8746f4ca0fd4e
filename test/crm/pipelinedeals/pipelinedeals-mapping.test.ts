import { describe, expect, it } from 'vitest';
import { toDealStatus } from '../../../src/crm/pipelinedeals/pipelinedeals-mapping.js';
import { dealSchema, parsePipelineDealsDate, parsePipelineDealsTime } from '../../../src/crm/pipelinedeals/schemas.js';

describe('parsePipelineDealsTime', () => {
  it('keeps the offset of each side of a DST change as the zone, and the instant', () => {
    const winter = parsePipelineDealsTime('2012/01/19 15:26:09 -0500');
    const summer = parsePipelineDealsTime('2012/04/18 10:20:18 -0400');

    expect(winter?.zoneName).toBe('UTC-5');
    expect(winter?.toUTC().toISO()).toBe('2012-01-19T20:26:09.000Z');
    expect(summer?.zoneName).toBe('UTC-4');
    expect(summer?.toUTC().toISO()).toBe('2012-04-18T14:20:18.000Z');
    expect(summer?.toFormat('yyyy-MM-dd HH:mm')).toBe('2012-04-18 10:20');
  });

  it('reads offsets east of UTC and with minutes, and ISO-8601 with an offset', () => {
    expect(parsePipelineDealsTime('2024/11/03 01:30:00 +0530')?.toUTC().toISO()).toBe('2024-11-02T20:00:00.000Z');
    expect(parsePipelineDealsTime('2024-06-03T11:52:08-04:00')?.offset).toBe(-240);
  });

  it('refuses times without an offset and nonsense', () => {
    expect(parsePipelineDealsTime('2012/02/07 15:26:10')).toBeNull();
    expect(parsePipelineDealsTime('2024-06-03T11:52:08')).toBeNull();
    expect(parsePipelineDealsTime('yesterday')).toBeNull();
    expect(parsePipelineDealsTime('2012/02/30 15:26:10 -0500')).toBeNull();
  });
});

describe('parsePipelineDealsDate', () => {
  it('reads YYYY-MM-DD and YYYY/MM/DD as an ISO date, and nothing else', () => {
    expect(parsePipelineDealsDate('2011-01-01')).toBe('2011-01-01');
    expect(parsePipelineDealsDate('2011/01/01')).toBe('2011-01-01');
    expect(parsePipelineDealsDate('2011-02-30')).toBeNull();
    expect(parsePipelineDealsDate('01/01/2011')).toBeNull();
  });
});

describe('toDealStatus', () => {
  const base = {
    id: 1,
    name: 'Deal',
    created_at: '2012/02/07 15:26:10 -0500',
    updated_at: '2012/02/07 15:26:10 -0500',
  };
  const status = (fields: Record<string, unknown>) => toDealStatus(dealSchema.parse({ ...base, ...fields }));

  it('derives the outcome from probability and closed_time, never from the health flag', () => {
    expect(status({ probability: 100, closed_time: '2012-02-07', status: 1 })).toBe('won');
    expect(status({ probability: 0, closed_time: '2012-02-07', status: 3 })).toBe('lost');
    expect(status({ probability: 50, closed_time: null, status: 1 })).toBe('open');
    expect(status({ probability: null, closed_time: null, status: null })).toBe('open');
    expect(status({ probability: null, closed_time: '2012-02-07', deal_loss_reason_id: 4 })).toBe('lost');
    expect(status({ probability: null, closed_time: '2012-02-07' })).toBe('won');
  });
});
