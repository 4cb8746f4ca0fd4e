// The Pipedrive adapter's optional operations: notes (`POST /v1/notes`, 10 tokens) and
// the organization and person searches (`GET /api/v2/{organizations|persons}/search`, 20
// tokens), checked against the shapes in Pipedrive's published specs.

import { describe, expect, it } from 'vitest';
import { createCachedCrm } from '../../../src/crm/cached-crm.js';
import { noteHtml } from '../../../src/crm/pipedrive/pipedrive-mapping.js';
import { CrmNotFoundError, CrmUnavailableError } from '../../../src/errors.js';
import { createStore } from '../../../src/store/create-store.js';
import { useNockBoundary } from '../../helpers/nock-boundary.js';
import { createPipedriveUnderTest, pipedriveApi as api } from '../../helpers/pipedrive-under-test.js';

const pipedrive = (apiVersion: 'v1' | 'v2' = 'v2') => createPipedriveUnderTest([], { apiVersion });

useNockBoundary();

/** The spec's own example answer of `GET /api/v2/organizations/search`. */
const organizationSearchExample = {
  success: true,
  data: {
    items: [
      {
        result_score: 0.316,
        item: {
          id: 1,
          type: 'organization',
          name: 'Organization name',
          address: 'Mustamäe tee 3a, 10615 Tallinn',
          visible_to: 3,
          owner: { id: 1 },
          custom_fields: [],
          notes: [],
        },
      },
    ],
  },
  additional_data: { next_cursor: 'eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6Nywic29ydERpcmVjdGlvbiI6ImFzYyIsImlkIjo3fQ' },
};

describe('addNote', () => {
  it('posts the note as HTML on the deal to /v1/notes', async () => {
    const scope = api()
      .post('/v1/notes', {
        content: 'Signed &amp; sealed &lt;b&gt;<br>— Bob<br><a href="https://t.slack.com/p1">https://t.slack.com/p1</a>',
        deal_id: 42,
      })
      .reply(200, { success: true, data: { id: 7, content: 'x', deal_id: 42, active_flag: true } });
    await expect(pipedrive().addNote!('42', 'Signed & sealed <b>\n— Bob\nhttps://t.slack.com/p1')).resolves.toEqual({ id: '7' });
    expect(scope.isDone()).toBe(true);
  });

  it('is never retried (a note that may have been saved is not sent twice)', async () => {
    const scope = api().post('/v1/notes').once().reply(503, 'down');
    await expect(pipedrive().addNote!('42', 'x')).rejects.toBeInstanceOf(CrmUnavailableError);
    expect(scope.isDone()).toBe(true);
  });

  it('refuses a deal id Pipedrive could not have issued without a request', async () => {
    await expect(pipedrive().addNote!('abc', 'x')).rejects.toBeInstanceOf(CrmNotFoundError);
  });

  it('is passed through the cache decorator, as are the searches', async () => {
    const store = await createStore('memory://');
    const cached = createCachedCrm(pipedrive(), store, { namespace: 't' });
    expect(typeof cached.addNote).toBe('function');
    expect(typeof cached.searchOrganizations).toBe('function');
    expect(typeof cached.searchPersons).toBe('function');
    await store.close();
  });
});

describe('searchOrganizations and searchPersons', () => {
  it("searches names with Pipedrive's largest page by default and parses the spec's example", async () => {
    const scope = api()
      .get('/api/v2/organizations/search')
      .query({ term: 'org', fields: 'name', limit: '500' })
      .reply(200, organizationSearchExample);
    expect(await pipedrive().searchOrganizations!(' org ')).toEqual([{ id: '1', name: 'Organization name' }]);
    expect(scope.isDone()).toBe(true);
  });

  it('asks for the limit given, and skips hits without a name', async () => {
    const scope = api()
      .get('/api/v2/persons/search')
      .query({ term: 'jane', fields: 'name', limit: '100' })
      .reply(200, {
        success: true,
        data: {
          items: [
            {
              result_score: 1,
              item: {
                id: 3,
                type: 'person',
                name: 'Jane Doe',
                phones: [],
                emails: ['jane@x.example'],
                organization: { id: 1, name: 'Org' },
              },
            },
            { result_score: 0.5, item: { id: 4, type: 'person', name: null } },
          ],
        },
        additional_data: { next_cursor: null },
      });
    expect(await pipedrive().searchPersons!('jane', { limit: 100 })).toEqual([{ id: '3', name: 'Jane Doe' }]);
    expect(scope.isDone()).toBe(true);
  });

  it('spends nothing on a one-letter term', async () => {
    expect(await pipedrive().searchOrganizations!('a')).toEqual([]);
  });

  it('are not offered by a v1-only server, which has no such endpoints', () => {
    const v1 = pipedrive('v1');
    expect(v1.searchOrganizations).toBeUndefined();
    expect(v1.searchPersons).toBeUndefined();
    expect(typeof v1.addNote).toBe('function');
  });
});

describe('noteHtml', () => {
  it('escapes markup, keeps line breaks and links whole URLs only', () => {
    expect(noteHtml(`"quoted" 'x' see "https://a.example/x?y=1&z=2" <script>`)).toBe(
      '&quot;quoted&quot; &#39;x&#39; see &quot;<a href="https://a.example/x?y=1&amp;z=2">https://a.example/x?y=1&amp;z=2</a>&quot; &lt;script&gt;',
    );
    expect(noteHtml('a\r\nb\nc')).toBe('a<br>b<br>c');
  });
});
