// `POST /webhooks/pipedrive`: Pipedrive's webhooks (version 2.0) for deals, served by the ops
// server in HTTP mode. Pipedrive waits 10 s for an answer and counts anything else as a failure
// (retried after 3, 30 and 150 s; ten failed first attempts ban the webhook for 30 minutes),
// so the answer comes fast:
//
// 1. HTTP basic auth with PIPEDRIVE_WEBHOOK_USER / PIPEDRIVE_WEBHOOK_PASSWORD, compared in
//    constant time: wrong or missing is 401 with `WWW-Authenticate`, and nothing is read or
//    done. Without credentials configured the route does not exist (404).
// 2. The body is read (1 MB at most) and handed to `read`, which the composition root gives
//    from the Pipedrive adapter (this module maps no field).
// 3. The event's `meta.id` is claimed in the store for 24 h: a retry or a duplicate of an
//    event already taken is answered 200 and dropped.
// 4. The work (diff against the snapshot, hand the events on) runs for at most
//    `answerWithinMs`; the answer is 200 then even if it is still running (it carries on,
//    tracked for the shutdown). A failure inside the budget gives the claim back and answers
//    500, so Pipedrive's retry brings the event again; the poll would catch it anyway.

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export const PIPEDRIVE_WEBHOOK_PATH = '/webhooks/pipedrive';
/** Pipedrive retries for about three minutes; a day covers any duplicate. */
export const WEBHOOK_DEDUPE_MS = 24 * 60 * 60 * 1000;
const BODY_LIMIT_BYTES = 1024 * 1024;

/** What the adapter made of a body. */
export type WebhookReading =
  | { kind: 'accept'; eventId: string; work: () => Promise<unknown> }
  | { kind: 'ignored'; eventId: string; reason: string }
  | { kind: 'invalid'; reason: string };

export interface PipedriveWebhookOptions {
  /** Null: webhooks are not configured, the route answers 404. */
  credentials: { user: string; password: string } | null;
  /** The workspace's scoped store: deduplication claims. */
  store: Store;
  logger: Logger;
  read: (body: unknown) => WebhookReading;
  /** How long the work may run before the answer goes anyway. Default 2 s (Pipedrive waits 10). */
  answerWithinMs?: number;
  /** Wraps work still running after the answer, so a shutdown waits for it. */
  track?: <T>(work: Promise<T>) => Promise<T>;
  /** Told of each answer's HTTP status once sent (metrics). */
  onAnswer?: (status: number) => void;
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time equality whatever the lengths (both sides hashed first). */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function authorized(header: string | undefined, credentials: { user: string; password: string }): boolean {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared every time: how far a wrong guess got is not told by the time taken.
  const userOk = sameSecret(decoded.slice(0, colon), credentials.user);
  const passwordOk = sameSecret(decoded.slice(colon + 1), credentials.password);
  return userOk && passwordOk;
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const TIMED_OUT = Symbol('timed out');

export function createPipedriveWebhookHandler(
  options: PipedriveWebhookOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { credentials, store, read } = options;
  const log = options.logger.child({ component: 'pipedrive-webhook' });
  const answerWithinMs = options.answerWithinMs ?? 2_000;
  const track = options.track ?? (<T>(work: Promise<T>) => work);
  let refusedBefore = false;

  return async (req, res) => {
    const onAnswer = options.onAnswer;
    if (onAnswer) res.once('finish', () => onAnswer(res.statusCode));
    if (!credentials) return send(res, 404, { ok: false, error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'POST only' }, { allow: 'POST' });
    if (!authorized(req.headers.authorization, credentials)) {
      req.resume();
      // Once at warn (a misconfigured webhook), then quietly: a scanner must not fill the log.
      if (refusedBefore) log.debug('refused a webhook with wrong or missing credentials');
      else log.warn('refused a webhook with wrong or missing credentials (check PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD)');
      refusedBefore = true;
      return send(res, 401, { ok: false, error: 'unauthorized' }, { 'www-authenticate': 'Basic realm="dealbot", charset="UTF-8"' });
    }
    const raw = await readBody(req);
    if (raw === null) return send(res, 413, { ok: false, error: 'body too large' });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { ok: false, error: 'the body is not JSON' });
    }
    const reading = read(body);
    if (reading.kind === 'invalid') {
      log.warn({ reason: reading.reason }, 'refused a webhook body Dealbot cannot read (is the webhook version 2.0?)');
      return send(res, 400, { ok: false, error: reading.reason });
    }
    if (reading.kind === 'ignored') {
      log.debug({ eventId: reading.eventId, reason: reading.reason }, 'a webhook event alerts have no use for');
      return send(res, 200, { ok: true, ignored: reading.reason });
    }
    const claimKey = `alerts:webhook:${reading.eventId}`;
    // A claim's owner renews it by claiming again: each delivery is its own owner.
    const owner = randomUUID();
    if (!(await store.claim(claimKey, WEBHOOK_DEDUPE_MS, owner))) {
      log.info({ eventId: reading.eventId }, 'a webhook event already taken (a retry or a duplicate); dropped');
      return send(res, 200, { ok: true, duplicate: true });
    }
    const work = track(Promise.resolve().then(reading.work));
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), answerWithinMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([work, budget]);
      if (outcome === TIMED_OUT) {
        work.catch((error: unknown) => log.error({ err: error, eventId: reading.eventId }, 'a webhook event failed after it was answered'));
        return send(res, 200, { ok: true, pending: true });
      }
      return send(res, 200, { ok: true });
    } catch (error) {
      log.error({ err: error, eventId: reading.eventId }, 'a webhook event failed; asking Pipedrive to send it again');
      await store.release(claimKey, owner).catch(() => undefined);
      return send(res, 500, { ok: false, error: 'try again' });
    } finally {
      clearTimeout(timer);
    }
  };
}
