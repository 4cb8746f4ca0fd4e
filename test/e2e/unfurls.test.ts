// Deal links pasted in Slack unfurl into compact cards, through the real HTTP receiver: the
// `link_shared` event as Slack documents it (test/fixtures/slack/link-shared.json), with its
// links replaced by deal links, reaches `chat.unfurl` on the Slack stand-in (which checks the
// unfurl's blocks as Slack would). Only links of this deployment's CRM and company unfurl.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boltLogger, createApp } from '../../src/app.js';
import { startSlackApiStandin, type SlackApiStandin } from '../../src/console/slack-api-standin.js';
import type { Deal } from '../../src/crm/port.js';
import { CrmNotFoundError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { buildDeal } from '../helpers/deal-builder.js';
import { postSigned } from '../helpers/slack-signing.js';
import { stubCrm } from '../helpers/stub-crm.js';
import { assertWithinBlockKitLimits, displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';

const SECRET = 'unfurl-secret';
const DOCS_PAYLOAD = JSON.parse(readFileSync(new URL('../fixtures/slack/link-shared.json', import.meta.url), 'utf8')) as {
  event: Record<string, unknown>;
} & Record<string, unknown>;

const DEAL_URL = 'https://acme.pipedrive.com/deal/42';
const deal: Deal = buildDeal({
  id: '42',
  title: 'Acme renewal <!channel>',
  value: { amount: 12_000, currency: 'EUR' },
  pipelineId: '1',
  stageId: '3',
  ownerId: '7',
  expectedCloseDate: '2026-12-09',
  url: DEAL_URL,
  createdAt: DateTime.fromISO('2026-11-01T10:00:00Z'),
  updatedAt: DateTime.fromISO('2026-12-01T10:00:00Z'),
});

let standin: SlackApiStandin;
let store: Store;
let server: Server;
let events: string;
const dealsRead: string[] = [];

beforeEach(async () => {
  dealsRead.length = 0;
  standin = await startSlackApiStandin();
  store = await createStore('memory://');
  const crm = stubCrm('unfurls', {
    provider: 'pipedrive',
    displayName: 'Pipedrive',
    getDeal: async (id) => {
      dealsRead.push(id);
      if (id === '42') return deal;
      throw new CrmNotFoundError('deal', id, { crm: 'Pipedrive' });
    },
    listStages: async () => [{ id: '3', pipelineId: '1', name: 'Proposal', order: 3, probability: 50 }],
    listPipelines: async () => [{ id: '1', name: 'Sales', order: 1, isDefault: true }],
    listUsers: async () => [{ id: '7', name: 'Ada Lovelace', email: 'ada@example.com', active: true }],
  });
  const logger = createLogger('silent');
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver: createHttpReceiver({ signingSecret: SECRET, logger: boltLogger(logger) }),
    token: 'xoxb-unfurl',
    slackApiUrl: standin.url,
    tokenVerification: false,
    now: () => DateTime.fromISO('2026-12-02T12:00:00Z'),
  });
  server = (await app.start(0)) as Server;
  events = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await standin.close();
  await store.close();
});

const linkShared = (event: Record<string, unknown>) =>
  postSigned({
    url: events,
    secret: SECRET,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...DOCS_PAYLOAD, event: { ...DOCS_PAYLOAD.event, ...event } }),
  });

const links = (...urls: string[]) => urls.map((url) => ({ domain: new URL(url).hostname.split('.').slice(-2).join('.'), url }));

describe('deal links unfurl', () => {
  it('turns a posted Pipedrive deal link into a compact card, leaving other links to Slack', async () => {
    const res = await linkShared({
      links: links('https://example.com/12345', DEAL_URL, 'https://globex.pipedrive.com/deal/42'),
    });
    expect(res.status).toBe(200);
    const call = await standin.waitForCall('chat.unfurl');
    expect(call.result.ok).toBe(true);
    // The documented payload carries unfurl_id and source: the unfurl names the link by them.
    expect(call.args.unfurl_id).toBe(DOCS_PAYLOAD.event.unfurl_id);
    expect(call.args.source).toBe('conversations_history');
    const unfurls = call.args.unfurls as Record<string, { blocks: unknown[] }>;
    // Another company's deal #42 is not ours: only the link to our company's page unfurls.
    expect(Object.keys(unfurls)).toEqual([DEAL_URL]);
    const unfurl = unfurls[DEAL_URL] as { blocks: unknown[] };
    assertWithinBlockKitLimits(unfurl.blocks);
    const text = mrkdwnTexts(unfurl.blocks).map(displayedText).join('\n');
    expect(text).toContain('Acme renewal <!channel>');
    expect(text).toContain('€12,000');
    expect(text).toContain('Proposal · Sales');
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('Pipedrive deal #42');
    expect(text).toContain('expected close in 7 days');
    // The title pings nobody: it is escaped.
    expect(JSON.stringify(unfurl.blocks)).not.toContain('<!channel>');
  });

  it('unfurls a link still in the composer by its unfurl id', async () => {
    await linkShared({
      channel: 'COMPOSER',
      message_ts: 'U123ABC456-909b5454-75f8-4ac4-b325-1b40e230bbd8',
      unfurl_id: 'U123ABC456-909b5454-75f8-4ac4-b325-1b40e230bbd8',
      source: 'composer',
      links: links(DEAL_URL),
    });
    const call = await standin.waitForCall('chat.unfurl');
    expect(call.result.ok).toBe(true);
    expect(call.args).toMatchObject({ unfurl_id: 'U123ABC456-909b5454-75f8-4ac4-b325-1b40e230bbd8', source: 'composer' });
    expect(call.args.channel).toBeUndefined();
  });

  it('names a posted message by channel and ts when the event carries no unfurl id', async () => {
    const posted = standin.postUserMessage('C0CONSOLE', 'U0CONSOLE', `Look at ${DEAL_URL} please`);
    const { unfurl_id: _id, source: _source, ...rest } = DOCS_PAYLOAD.event;
    await postSigned({
      url: events,
      secret: SECRET,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...DOCS_PAYLOAD, event: { ...rest, channel: 'C0CONSOLE', message_ts: posted.ts, links: links(DEAL_URL) } }),
    });
    const call = await standin.waitForCall('chat.unfurl');
    // The stand-in holds the message and refuses a URL it does not contain, as Slack does.
    expect(call.result.ok).toBe(true);
    expect(call.args).toMatchObject({ channel: 'C0CONSOLE', ts: posted.ts });
    expect(dealsRead).toEqual(['42']);
  });
});
