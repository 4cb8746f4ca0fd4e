// End to end on Pipedrive's real answers: signed Slack requests into the real Bolt app,
// Slack's Web API served by the recording stand-in, Pipedrive mocked with nock at its HTTP
// boundary answering with what it really sent. Nearly all of it comes from one account,
// recorded by Nango on 15 May 2026 (NangoHQ/integration-templates): the v2 deal "Acme Corp -
// Enterprise License" in "Prospect Qualified", that account's stages, pipelines, users,
// organization and person. The deal's flow with an all-day activity is a published live run
// (aai-labs/aai-cli). Provenance: test/fixtures/pipedrive/README.md. Where a test adds to or
// changes a recording, the change and why are named beside it.
//
// The person at the keyboard is the recorded account's own user (api@nango.dev), working from
// Los Angeles, so a day shown a day early west of UTC would show here.

import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StandinUser } from '../../src/console/slack-api-standin.js';
import { createCachedCrm } from '../../src/crm/cached-crm.js';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import { ActionId } from '../../src/ui/ids.js';
import { slashCommandPayload } from '../helpers/slack-payloads.js';
import { blocksOf, CHANNEL, shown, startHarness, type Harness } from '../listeners/http-harness.js';

const TOKEN = 'pd-real-e2e-token-0123456789abcdef';
let host = 'https://pd-real-0.example.test';
let run = 0;

/** The recorded account's user, in Slack, in Los Angeles. */
const NANGO: StandinUser = { id: 'U0NANGO', name: 'nango', realName: 'Nango', email: 'api@nango.dev', tz: 'America/Los_Angeles' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded answers are reshaped freely; the adapter under test checks their shape
type Json = any;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

/** The recorded v2 deal, with what a write changed (each caller names its change). */
const dealWith = (changes: Json = {}): Json => ({ ...fixture('real-v2-deal'), data: { ...fixture('real-v2-deal').data, ...changes } });

/**
 * A v2 list page around recorded v1 items. The account's stages and pipelines were recorded
 * from `/v1/stages` and `/v1/pipelines`; v2 serves the same objects under the same names for
 * every field the adapter reads (id, pipeline_id, name, order_nr, deal_probability; the spec
 * says so) and pages with a cursor, here none: the list ends.
 */
const v2Page = (v1: Json): Json => ({ success: true, data: v1.data, additional_data: { next_cursor: null } });

/** The account's reference lists and the deal's parties, as the adapter and the cache read them. */
function account(scope: nock.Scope): nock.Scope {
  return (
    scope
      .get('/api/v2/stages')
      .query(true)
      .optionally()
      .reply(200, v2Page(fixture('real-v1-stages')))
      .persist()
      .get('/api/v2/pipelines')
      .query(true)
      .optionally()
      .reply(200, v2Page(fixture('real-v1-pipelines')))
      .persist()
      .get('/v1/users')
      .query(true)
      .optionally()
      .reply(200, fixture('real-v1-users'))
      .persist()
      // The v1 organization and person objects answer v2's `/organizations/1`, `/persons/1`: the
      // adapter reads their id and name, which both versions carry alike.
      .get('/api/v2/organizations/1')
      .optionally()
      .reply(200, fixture('real-v1-organization'))
      .persist()
      .get('/api/v2/persons/1')
      .optionally()
      .reply(200, fixture('real-v1-person'))
      .persist()
  );
}

let h: Harness;

beforeEach(async () => {
  run += 1;
  host = `https://pd-real-${run}.example.test`;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  h = await startHarness({
    users: [NANGO],
    crm: (_local, store) =>
      createCachedCrm(
        createPipedriveClient({
          apiToken: TOKEN,
          baseUrl: host,
          // Read off the recordings' cc_email (nango-sandbox2@pipedrivemail.com): saves `users/me`, never recorded.
          companyDomain: 'nango-sandbox2',
          maxRetries: 0,
        }),
        store,
        { namespace: `e2e-pd-real-${run}` },
      ),
  });
});

afterEach(async () => {
  await h.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

const slash = (command: string, text: string) =>
  h.command(
    slashCommandPayload({
      command,
      text,
      responseUrl: h.standin.responseUrl(),
      user: { id: NANGO.id, name: NANGO.name },
      channel: CHANNEL,
    }),
  );

const reply = () => h.standin.waitFor((c) => c.method === 'response_url' && c.args.replace_original !== true);
const announcement = () => h.standin.waitFor((c) => c.method === 'response_url' && c.args.response_type === 'in_channel');

/** The labels of the card's "Move to…" menu. */
function moveOptions(message: unknown): string[] {
  for (const block of blocksOf(message)) {
    for (const element of block.elements ?? []) {
      if (element.action_id === ActionId.cardMove) {
        return (element.options as Array<{ text: { text: string } }>).map((o) => o.text.text);
      }
    }
  }
  return [];
}

describe('Slack → Dealbot → Pipedrive, on recorded answers', () => {
  it('/deal 1 shows the recorded deal as a card: value, stage, pipeline, organization, person, owner, link', async () => {
    account(nock(host));
    const scope = nock(host, { reqheaders: { 'x-api-token': TOKEN } })
      .get('/api/v2/deals/1')
      .reply(200, fixture('real-v2-deal'));

    expect((await slash('/deal', '1')).status).toBe(200);
    const answer = (await reply()).args;
    const card = shown(answer);

    expect(card).toContain('Acme Corp - Enterprise License');
    // Card fields as the message carries them ("*Label*\nvalue", JSON-escaped here).
    expect(card).toContain('*Value*\\n$25,000');
    expect(card).toContain('*Stage*\\nProspect Qualified · Pipeline');
    expect(card).toContain('*Organization*\\nTest Organization Updated');
    expect(card).toContain('*Person*\\nJane Smith Updated via Direct API');
    expect(card).toContain('*Owner*\\nNango'); // the recorded /v1/users names the deal's owner_id
    expect(card).toContain('*Probability*\\n65%');
    expect(card).toContain('https://nango-sandbox2.pipedrive.com/deal/1');
    expect(card).not.toMatch(/did not expect|went wrong/);
    // The other stages of its own pipeline; Pipedrive has no closing stages to leave out.
    expect(moveOptions(answer)).toEqual([
      'Qualified Lead Updated',
      'Contact Made',
      'Needs Defined',
      'Proposal Made',
      'Negotiations Started',
    ]);
    scope.done();
  });

  it('/deal find acme finds the recorded deal', async () => {
    account(nock(host));
    // Assumed: no recording of /api/v2/deals/search exists. The hit is the spec's search item
    // (deals-search.json) carrying the recorded deal's own values.
    const search = fixture('deals-search');
    const deal = fixture('real-v2-deal').data;
    search.data.items = [
      {
        result_score: 1.2,
        item: {
          ...search.data.items[0].item,
          id: deal.id,
          title: deal.title,
          value: deal.value,
          currency: deal.currency,
          status: deal.status,
          owner: { id: deal.owner_id },
          stage: { id: deal.stage_id, name: 'Prospect Qualified' },
          person: { id: 1, name: 'Jane Smith Updated via Direct API' },
          organization: { id: 1, name: 'Test Organization Updated' },
        },
      },
    ];
    search.additional_data = { next_cursor: null };
    const scope = nock(host)
      .get('/api/v2/deals/search')
      .query((q) => q.term === 'acme' && q.fields === 'title')
      .reply(200, search)
      .get('/api/v2/deals/1')
      .optionally() // a single hit may be shown as its card
      .reply(200, fixture('real-v2-deal'));

    expect((await slash('/deal', 'find acme')).status).toBe(200);
    const answer = shown((await reply()).args);

    expect(answer).toContain('Acme Corp - Enterprise License');
    expect(answer).toContain('$25,000');
    expect(answer).not.toMatch(/did not expect|went wrong/);
    scope.done();
  });

  it('/pipeline draws the board of the recorded account: its pipeline, stages, and the deal in Prospect Qualified', async () => {
    account(nock(host));
    // Assumed envelope: the v2 `/deals` list was never recorded; the page holds the recorded
    // v2 deal, its only open deal (the recorded organization has open_deals_count 1).
    nock(host)
      .get('/api/v2/deals')
      .query(true)
      .reply(200, { success: true, data: [fixture('real-v2-deal').data], additional_data: { next_cursor: null } })
      .persist();

    expect((await slash('/pipeline', 'Pipeline')).status).toBe(200);
    const board = shown((await reply()).args);

    expect(board).not.toMatch(/did not expect|went wrong/);
    expect(board).toContain('Pipeline');
    expect(board).toContain('*Prospect Qualified*');
    expect(board).toContain('1 deal open');
    expect(board).toContain('$25,000');
  });

  it('/deal move 1 to proposal sends Pipedrive the Proposal Made stage and its pipeline, and says so', async () => {
    account(nock(host));
    const scope = nock(host, { reqheaders: { 'x-api-token': TOKEN } })
      .get('/api/v2/deals/1')
      .reply(200, fixture('real-v2-deal'))
      .patch('/api/v2/deals/1', { stage_id: 5, pipeline_id: 1 })
      // The recorded deal in the stage the request asked for.
      .reply(200, dealWith({ stage_id: 5, stage_change_time: '2026-11-16T09:00:00Z', update_time: '2026-11-16T09:00:00Z' }));

    expect((await slash('/deal', 'move 1 to proposal')).status).toBe(200);
    const answer = shown((await reply()).args);

    expect(answer).toContain('Moved from *Prospect Qualified* to *Proposal Made*');
    expect(answer).toContain('Proposal Made · Pipeline');
    scope.done();
  });

  it('/deal won 1 sends status won, and the channel hears of it', async () => {
    account(nock(host));
    const scope = nock(host)
      .get('/api/v2/deals/1')
      .reply(200, fixture('real-v2-deal'))
      .patch('/api/v2/deals/1', { status: 'won' })
      // The recorded deal with what a win sets: status, won and close times.
      .reply(200, dealWith({ status: 'won', won_time: '2026-11-16T09:00:00Z', close_time: '2026-11-16T09:00:00Z' }));

    expect((await slash('/deal', 'won 1')).status).toBe(200);
    const announced = shown((await announcement()).args);

    expect(announced).toContain(`<@${NANGO.id}> won *Acme Corp - Enterprise License* — $25,000`);
    scope.done();
  });

  it('/deal lost 1 because … sends status lost with the reason, and the channel hears it', async () => {
    account(nock(host));
    const scope = nock(host)
      .get('/api/v2/deals/1')
      .reply(200, fixture('real-v2-deal'))
      .patch('/api/v2/deals/1', { status: 'lost', lost_reason: 'chose an in-house tool' })
      // The recorded deal with what a loss sets: status, reason, lost and close times.
      .reply(
        200,
        dealWith({
          status: 'lost',
          lost_reason: 'chose an in-house tool',
          lost_time: '2026-11-16T09:00:00Z',
          close_time: '2026-11-16T09:00:00Z',
        }),
      );

    expect((await slash('/deal', 'lost 1 because chose an in-house tool')).status).toBe(200);
    const announced = shown((await announcement()).args);

    expect(announced).toContain(`<@${NANGO.id}> marked *Acme Corp - Enterprise License* lost: chose an in-house tool`);
    scope.done();
  });

  it('/deal timeline 1 shows the real all-day activity on its own day for a viewer in Los Angeles', async () => {
    account(nock(host));
    const scope = nock(host)
      .get('/api/v2/deals/1')
      .reply(200, fixture('real-v2-deal'))
      .get('/v1/deals/1/flow')
      .query(true)
      .reply(200, fixture('real-flow-all-day-activity'));

    expect((await slash('/deal', 'timeline 1')).status).toBe(200);
    const timeline = shown((await reply()).args);

    // Pipedrive stamps the all-day activity at midnight UTC of its due date (2026-07-29):
    // 17:00 on the 28th in Los Angeles. It is due on the 29th, for every reader.
    expect(timeline).toContain('[Sample] Send revised contract with 24/7 support tier pricing');
    expect(timeline).toContain('Jul 29, 2026 (all day)');
    expect(timeline).not.toMatch(/Jul 28, 2026 at 17:00/);
    // The stage move is named by the flow's own formatted names.
    expect(timeline).toContain('Moved from *Negotiations* to *Contract Signed*');
    expect(timeline).not.toMatch(/did not expect|went wrong/);
    scope.done();
  });

  it('a refused token (401) is explained as a bad PIPEDRIVE_API_TOKEN, without the token', async () => {
    // The body Pipedrive's gateway is reported to send with a 401 (README: reported, not recorded).
    nock(host).get(/.*/).query(true).reply(401, fixture('error-unauthorized')).persist();

    expect((await slash('/deal', '1')).status).toBe(200);
    const answer = shown((await reply()).args);

    expect(answer).toContain('PIPEDRIVE_API_TOKEN');
    expect(answer).not.toMatch(/did not expect/);
    expect(answer).not.toContain(TOKEN);
  });
});
