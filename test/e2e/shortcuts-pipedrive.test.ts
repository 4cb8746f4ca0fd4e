// The shortcuts against Pipedrive (mocked with nock at its HTTP boundary) through Bolt's
// HTTP receiver: a slow Pipedrive still sees the modal open first, the organization picker
// searches `/api/v2/organizations/search`, and a deal made from a message gets its note
// through `POST /v1/notes`, as HTML Pipedrive keeps safely.

import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCachedCrm } from '../../src/crm/cached-crm.js';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import { CallbackId, DealFormExtraField, DealFormField } from '../../src/ui/ids.js';
import {
  blockSuggestionPayload,
  externalSelectValue,
  messageShortcutPayload,
  selectValue,
  shortcutPayload,
  textValue,
  viewSubmissionPayload,
} from '../helpers/slack-payloads.js';
import { BOB, CHANNEL, NOW, blocksOf, shown, startHarness, type Harness } from '../listeners/http-harness.js';

const PD = 'https://pd.example.test';
const TOKEN = 'pd-e2e-secret-token-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

const stages = [
  { id: 1, name: 'Qualified', order_nr: 1 },
  { id: 2, name: 'Proposal', order_nr: 2 },
].map((s) => ({ ...fixture('stages').data[0], ...s, pipeline_id: 1 }));

function deal(overrides: Json = {}): Json {
  return {
    success: true,
    data: {
      ...fixture('deal').data,
      id: 77,
      title: 'Acme rollout',
      value: 0,
      currency: 'EUR',
      stage_id: 1,
      pipeline_id: 1,
      owner_id: 1,
      org_id: null,
      person_id: null,
      status: 'open',
      ...overrides,
    },
  };
}

/** Reference data, each answered after `delayMs`; `seen` gets the moment each request arrived. */
function referenceData(scope: nock.Scope, seen: number[], delayMs = 0): nock.Scope {
  const at = <T>(body: T) =>
    function reply() {
      seen.push(Date.now());
      return [200, body] as [number, T];
    };
  return scope
    .get('/api/v2/stages')
    .query(true)
    .delay(delayMs)
    .reply(at({ success: true, data: stages, additional_data: { next_cursor: null } }))
    .get('/api/v2/pipelines')
    .query(true)
    .delay(delayMs)
    .reply(at({ ...fixture('pipelines'), additional_data: { next_cursor: null } }))
    .get('/v1/users')
    .query(true)
    .delay(delayMs)
    .reply(
      at({
        success: true,
        data: [{ ...fixture('users').data[0], id: 1, name: 'Ada Lovelace', email: 'ada@example.com', active_flag: true }],
      }),
    )
    .get('/v1/users/me')
    .query(true)
    .delay(delayMs)
    .reply(at({ ...fixture('users-me'), data: { ...fixture('users-me').data, company_domain: 'acme' } }));
}

let h: Harness;

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  h = await startHarness({
    crm: (_local, store) => createCachedCrm(createPipedriveClient({ apiToken: TOKEN, baseUrl: PD }), store, { namespace: 'e2e' }),
  });
});

afterEach(async () => {
  await h.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('shortcuts over Pipedrive', () => {
  it('opens the modal before Pipedrive is asked anything, even when Pipedrive is slow', async () => {
    const seen: number[] = [];
    const scope = referenceData(nock(PD, { reqheaders: { 'x-api-token': TOKEN } }), seen, 300);
    await h.interact(shortcutPayload({ callbackId: CallbackId.newDealShortcut, triggerId: h.standin.triggerId() }));

    const opened = await h.standin.waitForCall('views.open');
    const filled = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes('Proposal'));
    expect(seen.length).toBeGreaterThan(0);
    // Every Pipedrive request came after the modal was open; the fill-in came after them.
    expect(seen.every((t) => t >= opened.at)).toBe(true);
    expect(h.standin.calls.indexOf(filled)).toBeGreaterThan(h.standin.calls.indexOf(opened));
    expect(scope.isDone()).toBe(true);
  });

  it('searches organizations as the person types and keeps the message as an HTML note on the new deal', async () => {
    const seen: number[] = [];
    const messageTs = `${NOW.toSeconds()}.000300`;
    const search = fixture('organization'); // its id and name shape the search item too
    let noteBody: Json = null;
    const scope = referenceData(nock(PD), seen)
      .get('/api/v2/organizations/search')
      .query({ term: 'acme', fields: 'name', limit: '100' })
      .reply(200, {
        success: true,
        data: {
          items: [
            {
              result_score: 0.3,
              item: {
                id: 5,
                type: 'organization',
                name: 'Acme <Holdings>',
                address: null,
                visible_to: 3,
                owner: { id: 1 },
                custom_fields: [],
                notes: [],
              },
            },
          ],
        },
        additional_data: { next_cursor: null },
      })
      .post('/api/v2/deals', (body) => body.title === 'Acme rollout' && body.org_id === 5 && body.stage_id === 2)
      .reply(200, deal({ org_id: 5, stage_id: 2 }))
      .get('/api/v2/organizations/5')
      .reply(200, { success: true, data: { ...search.data, id: 5, name: 'Acme <Holdings>' } })
      .post('/v1/notes', (body) => {
        noteBody = body;
        return true;
      })
      .reply(200, { success: true, data: { id: 901, content: 'x', deal_id: 77 } });

    await h.interact(
      messageShortcutPayload({
        callbackId: CallbackId.createFromMessageShortcut,
        // As Slack sends what a person typed: `<`, `>` and `&` escaped, links in angle brackets.
        message: {
          ts: messageTs,
          text: 'Acme rollout\nThey need &lt;b&gt;SSO&lt;/b&gt; &amp; SCIM: <https://acme.example/spec>',
          user: BOB.id,
          channel: CHANNEL,
        },
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
        triggerId: h.standin.triggerId(),
      }),
    );
    const opened = await h.standin.waitForCall('views.open');
    const viewId = (opened.result.view as { id: string }).id;
    const filled = await h.standin.waitFor((c) => c.method === 'views.update' && shown(c.args.view).includes(DealFormExtraField.note));
    expect(blocksOf(opened.args).find((b) => b.block_id === DealFormField.title)?.element?.initial_value).toBe('Acme rollout');

    const res = await h.interact(
      blockSuggestionPayload({
        actionId: DealFormExtraField.organization,
        blockId: DealFormExtraField.organization,
        value: 'acme',
        view: { id: viewId },
      }),
    );
    expect(await res.json()).toEqual({ options: [{ text: { type: 'plain_text', text: 'Acme <Holdings>', emoji: true }, value: '5' }] });

    const view = h.standin.view(viewId)!;
    const note = blocksOf(filled.args).find((b) => b.block_id === DealFormExtraField.note)?.element?.initial_value as string;
    await h.interact(
      viewSubmissionPayload({
        view: { id: viewId, hash: view.hash, callback_id: CallbackId.createDealModal, private_metadata: String(view.private_metadata) },
        values: {
          [DealFormField.title]: { [DealFormField.title]: textValue('Acme rollout') },
          [DealFormField.stage]: { 'deal_stage:1': selectValue('2', 'Proposal') },
          [DealFormExtraField.organization]: { [DealFormExtraField.organization]: externalSelectValue('5', 'Acme <Holdings>') },
          [DealFormExtraField.note]: { [DealFormExtraField.note]: textValue(note) },
        },
      }),
    );
    const thread = await h.standin.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === messageTs);
    expect(shown(thread.args.blocks)).toContain('Acme &lt;Holdings&gt;');
    expect(scope.isDone()).toBe(true);

    // The note: the message escaped as HTML, links clickable, then author and permalink.
    expect(noteBody.deal_id).toBe(77);
    expect(noteBody.content).toContain(
      'They need &lt;b&gt;SSO&lt;/b&gt; &amp; SCIM: <a href="https://acme.example/spec">https://acme.example/spec</a>',
    );
    expect(noteBody.content).toContain('<br><br>— Bob Stranger in Slack, 16 Nov 2026, 10:00 GMT+1<br>');
    expect(noteBody.content).toContain(`/archives/C0CONSOLE/p${messageTs.replace('.', '')}</a>`);
    expect(h.standin.calls.findIndex((c) => c.method === 'chat.getPermalink')).toBeLessThan(h.standin.calls.indexOf(thread));
  });
});
