// Acting as the person (issue #16), end to end through Bolt's HTTP receiver with Pipedrive
// mocked by nock at its HTTP boundary, a real SQLite store file and a captured pino log at
// `trace`: `/deal connect` checks a token with Pipedrive before keeping it (a wrong one, or
// someone else's, is refused in the modal and nothing is saved); Ada's write then goes out
// with HER token while Grace's goes out with the shared one; no token is ever in the store
// file or the log.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boltLogger, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startSlackApiStandin, type SlackApiStandin, type StandinUser } from '../../src/console/slack-api-standin.js';
import { createCrm, createPersonalCrms } from '../../src/crm/create-crm.js';
import { createLogger } from '../../src/logger.js';
import { createHttpReceiver, EVENTS_PATH } from '../../src/slack/receivers.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/store.js';
import { CallbackId, ConnectFormField } from '../../src/ui/ids.js';
import { slashCommandPayload, textValue, viewSubmissionPayload } from '../helpers/slack-payloads.js';
import { formBody, payloadBody, postSigned } from '../helpers/slack-signing.js';

const SECRET = 'e2e-signing-secret';
const SHARED_TOKEN = 'pd-shared-token-aaaaaaaaaaaaaaaa';
const ADA_TOKEN = 'pd-ada-own-token-bbbbbbbbbbbbbbbb';
const GRACE_TOKEN = 'pd-grace-own-token-cccccccccccccc';
const WRONG_TOKEN = 'pd-wrong-token-dddddddddddddddddd';
const ADA: StandinUser = { id: 'U0ADA', name: 'ada', realName: 'Ada Lovelace', email: 'ada@example.com', tz: 'Europe/Berlin' };
const GRACE: StandinUser = { id: 'U0GRACE', name: 'grace', realName: 'Grace Hopper', email: 'grace@example.com', tz: 'Europe/Berlin' };
/** A member whose Slack email is no Pipedrive user's: unlinked until he stores his own token. */
const LINUS: StandinUser = { id: 'U0LINUS', name: 'linus', realName: 'Linus T', email: 'linus@home.example', tz: 'Europe/Helsinki' };
const LINUS_TOKEN = 'pd-linus-own-token-eeeeeeeeeeeeeeee';
const CHANNEL = { id: 'C0SALES', name: 'sales' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON read loosely; each test asserts the fields it uses
type Json = any;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/pipedrive/${name}.json`, import.meta.url), 'utf8'));

const pdUser = (id: number, name: string, email: string) => ({ ...fixture('users').data[0], id, name, email, active_flag: true });
const me = (id: number, name: string, email: string) => ({
  success: true,
  data: { ...fixture('users-me').data, id, name, email, company_domain: 'acme' },
});
const stages = [
  { id: 1, name: 'Qualified', order_nr: 1 },
  { id: 2, name: 'Proposal', order_nr: 2 },
].map((s) => ({ ...fixture('stages').data[0], ...s, pipeline_id: 1 }));
function deal(id: number, overrides: Json = {}): Json {
  return {
    success: true,
    data: {
      ...fixture('deal').data,
      id,
      title: id === 42 ? 'Acme renewal' : 'Globex pilot',
      value: 12000,
      currency: 'EUR',
      stage_id: 1,
      pipeline_id: 1,
      owner_id: id === 42 ? 1 : 2,
      org_id: null,
      person_id: null,
      status: 'open',
      lost_reason: null,
      ...overrides,
    },
  };
}

let PD = 'https://pd-credentials-0.example.test';
let testNumber = 0;
let dir: string;
let standin: SlackApiStandin;
let store: Store;
let server: Server;
let events: string;
const logLines: string[] = [];

beforeEach(async () => {
  testNumber += 1;
  PD = `https://pd-credentials-${testNumber}.example.test`;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  logLines.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'dealbot-credentials-'));
  standin = await startSlackApiStandin({ users: [ADA, GRACE, LINUS], channels: [CHANNEL] });
  store = await createStore(`sqlite://${join(dir, 'dealbot.sqlite')}`);
});

/** The app as `npm start` builds it for Pipedrive, with `env`'s access settings on top. */
async function startApp(env: Record<string, string> = {}): Promise<void> {
  // Everything at trace: whatever any part of the app logs is captured.
  const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
  const config = loadConfig({
    CRM_PROVIDER: 'pipedrive',
    PIPEDRIVE_API_TOKEN: SHARED_TOKEN,
    PIPEDRIVE_BASE_URL: PD,
    DEALBOT_SECRET_KEY: 'a passphrase for the e2e vault only',
    ...env,
  });
  const crm = await createCrm(config, store, logger);
  const personalCrms = await createPersonalCrms(config, store, logger);
  const app = createApp({
    store,
    logger,
    crmForTeam: () => crm,
    receiver: createHttpReceiver({ signingSecret: SECRET, logger: boltLogger(logger) }),
    token: 'xoxb-e2e',
    slackApiUrl: standin.url,
    tokenVerification: false,
    secretKey: config.secretKey,
    personalCrms,
    access: config.access,
  });
  server = (await app.start(0)) as Server;
  events = `http://127.0.0.1:${(server.address() as AddressInfo).port}${EVENTS_PATH}`;
}

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await standin.close();
  await store.close();
  nock.cleanAll();
  nock.enableNetConnect();
  rmSync(dir, { recursive: true, force: true });
});

/** What Pipedrive answers the shared token: the account's reference data and the two deals. */
function sharedAccount(moreUsers: Json[] = []): nock.Scope {
  return nock(PD, { reqheaders: { 'x-api-token': SHARED_TOKEN } })
    .persist()
    .get('/api/v2/stages')
    .query(true)
    .reply(200, { success: true, data: stages, additional_data: { next_cursor: null } })
    .get('/api/v2/pipelines')
    .query(true)
    .reply(200, { ...fixture('pipelines'), additional_data: { next_cursor: null } })
    .get('/v1/users')
    .query(true)
    .reply(200, {
      success: true,
      data: [pdUser(1, 'Ada Lovelace', 'ada@example.com'), pdUser(2, 'Grace Hopper', 'grace@example.com'), ...moreUsers],
    })
    .get('/v1/users/me')
    .query(true)
    .reply(200, me(9, 'Sales Bot', 'bot@example.com'))
    .get('/api/v2/deals/42')
    .reply(200, deal(42))
    .get('/api/v2/deals/43')
    .reply(200, deal(43));
}

const slash = (user: StandinUser, text: string) =>
  postSigned({
    url: events,
    secret: SECRET,
    body: formBody(
      slashCommandPayload({
        command: '/deal',
        text,
        user: { id: user.id, name: user.name },
        channel: CHANNEL,
        responseUrl: standin.responseUrl({ channel: CHANNEL.id }),
        triggerId: standin.triggerId(),
      }),
    ),
  });

async function submitToken(user: StandinUser, viewId: string, privateMetadata: string, token: string) {
  const from = standin.calls.length;
  const res = await postSigned({
    url: events,
    secret: SECRET,
    body: payloadBody(
      viewSubmissionPayload({
        user: { id: user.id, name: user.name },
        view: { id: viewId, callback_id: CallbackId.connectCrmModal, private_metadata: privateMetadata },
        values: { [ConnectFormField.token]: { [ConnectFormField.token]: textValue(token) } },
      }),
    ),
  });
  expect(res.status).toBe(200);
  const ack = await res.text();
  const update = await standin.waitFor((c, i) => i >= from && c.method === 'views.update');
  return { ack, shown: JSON.stringify(update.args.view) };
}

/** Every byte SQLite wrote: the database and its journal files. */
const storeBytes = (): Buffer => Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));

describe('/deal connect and acting with a person’s own credential', () => {
  it('checks a token before keeping it, then writes with it; others write with the shared token; no token reaches the store or the log', async () => {
    await startApp();
    const account = sharedAccount();
    // Tokens as Pipedrive knows them: a wrong one, Grace's, Ada's.
    nock(PD, { reqheaders: { 'x-api-token': WRONG_TOKEN } })
      .get('/v1/users/me')
      .reply(401, fixture('error-unauthorized'));
    nock(PD, { reqheaders: { 'x-api-token': GRACE_TOKEN } })
      .get('/v1/users/me')
      .reply(200, me(2, 'Grace Hopper', 'grace@example.com'));
    const adaMe = nock(PD, { reqheaders: { 'x-api-token': ADA_TOKEN } })
      .persist()
      .get('/v1/users/me')
      .query(true)
      .reply(200, me(1, 'Ada Lovelace', 'ada@example.com'));
    // Ada's win goes out with her token, and only with it.
    const adaWin = nock(PD, { reqheaders: { 'x-api-token': ADA_TOKEN } })
      .patch('/api/v2/deals/42', (body) => body.status === 'won')
      .reply(200, deal(42, { status: 'won', won_time: '2026-11-21T10:00:00Z', close_time: '2026-11-21T10:00:00Z' }));
    // Grace has no credential of her own: the shared token (and no extra request for a note).
    const graceWin = nock(PD, { reqheaders: { 'x-api-token': SHARED_TOKEN } })
      .patch('/api/v2/deals/43', (body) => body.status === 'won')
      .reply(200, deal(43, { status: 'won', won_time: '2026-11-21T10:00:00Z', close_time: '2026-11-21T10:00:00Z' }));

    // 1. The modal opens at once, asking for Ada's own Pipedrive API token.
    expect((await slash(ADA, 'connect')).status).toBe(200);
    const opened = await standin.waitForCall('views.open');
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(CallbackId.connectCrmModal);
    expect(JSON.stringify(view)).toContain('Your Pipedrive API token');
    const viewId = String((opened.result as { view: { id: string } }).view.id);

    // 2. A token Pipedrive refuses is refused in the modal, and nothing is kept.
    const wrong = await submitToken(ADA, viewId, view.private_metadata, WRONG_TOKEN);
    expect(wrong.ack).toContain('Checking it with Pipedrive');
    expect(wrong.shown).toContain('did not accept that token, so nothing was saved');
    expect(wrong.shown).not.toContain(WRONG_TOKEN);
    expect(await store.get('slack:T0CONSOLE:credential:pipedrive:U0ADA')).toBeUndefined();

    // 3. Someone else's token is refused too.
    const graces = await submitToken(ADA, viewId, view.private_metadata, GRACE_TOKEN);
    expect(graces.shown).toContain('That token belongs to Grace Hopper');
    expect(graces.shown).not.toContain(GRACE_TOKEN);

    // 4. Her own is checked and kept.
    const own = await submitToken(ADA, viewId, view.private_metadata, ADA_TOKEN);
    expect(own.shown).toContain('Connected');
    expect(own.shown).toContain('Ada Lovelace');
    // (The key checked empty above is where it is kept: the same check can fail.)
    expect(await store.get('slack:T0CONSOLE:credential:pipedrive:U0ADA')).toMatchObject({ crmUserId: '1', v: 1 });

    // 5. Ada's win goes out with her token; Grace's with the shared one, plus the note.
    expect((await slash(ADA, 'won 42')).status).toBe(200);
    await standin.waitFor(
      (c) => c.method === 'response_url' && JSON.stringify(c.args).includes('Acme renewal') && /won/i.test(JSON.stringify(c.args)),
    );
    expect((await slash(GRACE, 'won 43')).status).toBe(200);
    await standin.waitFor(
      (c) => c.method === 'response_url' && JSON.stringify(c.args).includes('Globex pilot') && /won/i.test(JSON.stringify(c.args)),
    );
    expect(adaWin.isDone()).toBe(true);
    expect(graceWin.isDone()).toBe(true);
    expect(adaMe.isDone()).toBe(true);
    account.persist(false);

    // 6. /deal disconnect forgets it.
    expect((await slash(ADA, 'disconnect')).status).toBe(200);
    await standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('credential is forgotten'));

    // No token in the store file or in any log line; the record and the log are not empty.
    await store.close();
    store = await createStore('memory://');
    const bytes = storeBytes();
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(1000);
    for (const token of [ADA_TOKEN, GRACE_TOKEN, WRONG_TOKEN, SHARED_TOKEN]) {
      expect(bytes.includes(Buffer.from(token)), `store file holds ${token}`).toBe(false);
      expect(log.includes(token), `log holds ${token}`).toBe(false);
    }
  });

  it('under UNLINKED_USERS=none an unlinked member is refused a deal, links himself with /deal connect, and then sees it', async () => {
    await startApp({ UNLINKED_USERS: 'none' });
    // Linus is Pipedrive user 3, under another email than his Slack one.
    sharedAccount([pdUser(3, 'Linus T', 'linus@acme.example')]);
    nock(PD, { reqheaders: { 'x-api-token': LINUS_TOKEN } })
      .persist()
      .get('/v1/users/me')
      .query(true)
      .reply(200, me(3, 'Linus T', 'linus@acme.example'));

    // 1. No Pipedrive user has his Slack email: refused, with the way to get linked.
    expect((await slash(LINUS, '42')).status).toBe(200);
    const refused = await standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('/deal connect'));
    expect(JSON.stringify(refused.args)).not.toContain('Acme renewal');

    // 2. Connecting is his own business: the modal opens although he may read nothing yet.
    expect((await slash(LINUS, 'connect')).status).toBe(200);
    const opened = await standin.waitForCall('views.open');
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(CallbackId.connectCrmModal);
    const viewId = String((opened.result as { view: { id: string } }).view.id);

    // 3. His own token, checked with Pipedrive, is kept and links him to Pipedrive user 3.
    const own = await submitToken(LINUS, viewId, view.private_metadata, LINUS_TOKEN);
    expect(own.shown).toContain('Connected');
    expect(await store.get('slack:T0CONSOLE:credential:pipedrive:U0LINUS')).toMatchObject({ crmUserId: '3' });

    // 4. Linked now: the deal is shown.
    expect((await slash(LINUS, '42')).status).toBe(200);
    await standin.waitFor((c) => c.method === 'response_url' && JSON.stringify(c.args).includes('Acme renewal'));
  });
});
