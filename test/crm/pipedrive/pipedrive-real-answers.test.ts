// The Pipedrive adapter, and the timeline rendered from it, on answers Pipedrive really gave
// (recorded by third parties; provenance in test/fixtures/pipedrive/README.md): a v2 deal,
// a created note, a v2 webhook's deal, a deal's flow with an all-day activity and a stage
// move named by Pipedrive, and a v1 activity with no time of day. Where a test has to add
// to a recording, the addition and the assumption behind it are named beside it.

import { readFileSync } from 'node:fs';
import type { KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { toDeal } from '../../../src/crm/pipedrive/pipedrive-mapping.js';
import { dealSchema } from '../../../src/crm/pipedrive/schemas.js';
import { lastChangedAt, type CrmClient } from '../../../src/crm/port.js';
import { loadDealTimeline } from '../../../src/services/deal-timeline.js';
import { dealTimelineMessage } from '../../../src/ui/deal-timeline.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';
import { createPipedriveUnderTest, pipedriveApi as api } from '../../helpers/pipedrive-under-test.js';

/** Fixtures are reshaped freely here; the adapter under test checks their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded answers are reshaped freely; the adapter under test checks their shape
type Json = any;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

const pipedrive = (): CrmClient => createPipedriveUnderTest([]);
const LOS_ANGELES = 'America/Los_Angeles';

useNockBoundary();

/** Every text a person reads in a message: sections and context lines. */
function texts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section') return block.text ? [block.text.text] : [];
    if (block.type === 'context') return block.elements.flatMap((e) => ('text' in e ? [e.text] : []));
    return [];
  });
}

/** The real v2 deal (NangoHQ get-deal), named with the spec's example organization and person. */
async function realDeal(crm: CrmClient) {
  api()
    .get('/api/v2/deals/1')
    .reply(200, fixture('real-v2-deal'))
    .get('/api/v2/organizations/1')
    .reply(200, fixture('organization'))
    .get('/api/v2/persons/1')
    .reply(200, fixture('person'));
  return crm.getDeal('1');
}

/** The timeline message of deal 1 whose flow page is `flow`, read by someone in `zone` at `now`. */
async function timelineOf(flow: Json, now: DateTime, names: { users?: Map<string, string>; stages?: Map<string, string> } = {}) {
  const crm = pipedrive();
  const deal = await realDeal(crm);
  const scope = api().get('/v1/deals/1/flow').query({ start: '0', limit: '500' }).reply(200, flow);
  const timeline = await loadDealTimeline(crm, deal);
  scope.done();
  return {
    timeline,
    lines: texts(
      dealTimelineMessage({
        deal: timeline.deal,
        changes: timeline.changes,
        stageNames: names.stages ?? new Map(),
        userNames: names.users ?? new Map(),
        summary: null,
        viewerZone: now.zoneName!,
        now,
        nextCursor: timeline.nextCursor,
        crmName: 'Pipedrive',
        supported: timeline.supported,
      }).blocks,
    ),
  };
}

describe('a real v2 deal', () => {
  it('reads as the deal Pipedrive holds', async () => {
    const deal = await realDeal(pipedrive());

    expect(deal).toMatchObject({
      id: '1',
      title: 'Acme Corp - Enterprise License',
      value: { amount: 25000, currency: 'USD' },
      status: 'open',
      pipelineId: '1',
      stageId: '3',
      ownerId: '25760681',
      probability: 65,
      expectedCloseDate: null,
      url: 'https://acme.pipedrive.com/deal/1',
    });
    expect(deal.updatedAt?.toISO()).toBe('2026-05-15T10:16:44.000Z');
  });
});

describe("a v2 webhook's deal (PipedreamHQ's recorded create.deal event)", () => {
  it('is accepted with update_time null: the deal has no update time and last changed when created', () => {
    const body = fixture('real-webhook-v2-create-deal');
    expect(body.data.update_time).toBeNull();

    const parsed = dealSchema.safeParse(body.data);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const deal = toDeal(parsed.data!, { organizations: new Map(), persons: new Map() }, null);

    expect(deal).toMatchObject({ id: '1', title: 'Title', value: { amount: 2, currency: 'BRL' }, stageId: '1', ownerId: '123123' });
    expect(deal.updatedAt).toBeNull();
    expect(lastChangedAt(deal).toISO()).toBe('2025-04-15T15:31:17.000Z');
  });
});

describe('addNote on the real answer of POST /v1/notes', () => {
  it("returns the created note's id", async () => {
    const scope = api()
      .post('/v1/notes', { content: 'Test note created via Nango action', deal_id: 1 })
      .reply(201, fixture('real-v1-note-created'));

    await expect(pipedrive().addNote!('1', 'Test note created via Nango action')).resolves.toEqual({ id: '5' });
    scope.done();
  });
});

describe('an all-day activity, read west of UTC', () => {
  // Thu Jul 28 2026, noon in Los Angeles: 19:00 UTC.
  const now = DateTime.fromISO('2026-07-28T12:00:00', { zone: LOS_ANGELES });

  it('is on its own calendar day, not on the evening before (real flow answer)', async () => {
    const { timeline, lines } = await timelineOf(fixture('real-flow-all-day-activity'), now);

    // Pipedrive stamps the all-day activity at midnight UTC of its due date: 17:00 the day
    // before in Los Angeles. The day it is on is the due date, for every reader.
    expect(timeline.changes[0]).toMatchObject({ kind: 'activity', allDayDate: '2026-07-29' });
    expect(lines).toContain('🗓️ *Activity planned*: “[Sample] Send revised contract with 24/7 support tier pricing”');
    expect(lines).toContain('tomorrow · Wed, Jul 29, 2026 (all day)');
    expect(lines.join('\n')).not.toContain('Jul 28, 2026 at 17:00');
  });

  it('is on its due date for a real v1 activity with due_time "" (NangoHQ\'s activity 3)', async () => {
    // The activity object is Pipedrive's own (GET /v1/activities); the flow entry around it is
    // assumed: stamped at midnight UTC of the due date, as the real flow answer above shows.
    const activity = fixture('real-v1-activity-all-day');
    expect(activity.due_time).toBe('');
    const flow = {
      success: true,
      data: [{ object: 'activity', timestamp: `${activity.due_date} 00:00:00`, data: activity }],
      additional_data: { pagination: { start: 0, limit: 500, more_items_in_collection: false } },
    };
    const mayFourteenth = DateTime.fromISO('2026-05-14T20:00:00', { zone: LOS_ANGELES });

    const { lines } = await timelineOf(flow, mayFourteenth);

    expect(lines).toContain('🗓️ *Activity planned*: “Test Activity for Update”');
    expect(lines).toContain('by Nango · tomorrow · Fri, May 15, 2026 (all day)');
  });

  it('keeps the time of an activity that has one', async () => {
    const flow = fixture('real-flow-all-day-activity');
    // Assumed: the same activity with a time of day (the recording trimmed due_time away).
    flow.data = [{ ...flow.data[0], timestamp: '2026-07-29 16:30:00', data: { ...flow.data[0].data, due_time: '16:30' } }];

    const { timeline, lines } = await timelineOf(flow, now);

    expect(timeline.changes[0]).not.toHaveProperty('allDayDate');
    expect(lines.join('\n')).toContain('tomorrow · Wed, Jul 29, 2026 at 09:30 PDT');
  });
});

describe('names the flow gives', () => {
  const now = DateTime.fromISO('2026-07-28T12:00:00', { zone: LOS_ANGELES });

  it('names stages the stage list does not have by the names in the flow (real flow answer)', async () => {
    const { lines } = await timelineOf(fixture('real-flow-all-day-activity'), now);

    expect(lines).toContain('➡️ Moved from *Negotiations* to *Contract Signed*');
  });

  it('names owners who are not in the cached user list by the flow formatted names', async () => {
    // The owner change is assumed: no public recording of a deal flow's owner change was
    // found. Its `additional_data` is shaped as Pipedrive's published spec shows it for an
    // owner change (organization flow: old/new_value_formatted "Robert Smith"/"Will Smith"),
    // and as the real stage move above carries it.
    const flow = fixture('real-flow-all-day-activity');
    flow.data = [
      {
        object: 'dealChange',
        timestamp: '2026-07-28 09:00:00',
        data: {
          id: 4,
          item_id: 1,
          user_id: 8877,
          field_key: 'user_id',
          old_value: 9392643,
          new_value: 8877,
          is_bulk_update_flag: null,
          log_time: '2026-07-28 09:00:00',
          change_source: 'app',
          additional_data: { old_value_formatted: 'Robert Smith', new_value_formatted: 'Will Smith' },
        },
      },
      {
        object: 'dealChange',
        timestamp: '2026-07-28 08:30:00',
        data: { id: 5, item_id: 1, user_id: 8877, field_key: 'user_id', old_value: 555, new_value: 9392643, additional_data: [] },
      },
      ...flow.data,
    ];
    // Without formatted names, the page's related users name whom they can.
    flow.related_objects = { user: { 555: { id: 555, name: 'Grace Hopper' } } };

    const { lines } = await timelineOf(flow, now, { users: new Map([['8877', 'Will Smith (cached)']]) });

    // The cached list wins where it knows the user; the flow's names fill in the rest.
    expect(lines).toContain('👤 *Owner* Robert Smith → Will Smith (cached)');
    expect(lines).toContain('👤 *Owner* Grace Hopper → user #9392643');
    expect(lines.join('\n')).not.toContain('user #555');
  });
});
