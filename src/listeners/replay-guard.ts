// At most once per delivery. Bolt checks a request's signature and that its timestamp is
// within five minutes, but keeps no record of what it has seen: a captured `/deal won`, a Won
// click or a lost-reason submission sent again inside that window would be applied and
// announced again. This global middleware claims a key derived from the delivery itself in
// the store (atomic across replicas, like creates); a delivery whose key is already taken is
// dropped. In the app the claim runs right after the listener's ack and before its work
// (slack/after-ack-check.ts), so the ack never waits for the store; elsewhere it runs before
// any listener and a replay is acknowledged with nothing.
//
// The keys only need to be equal for byte-identical replays and distinct for two real
// gestures, so every field that tells gestures apart goes in:
//   command           trigger_id
//   block action      action_ts + user + action_id + container (+ trigger_id)
//   view submission   view id + hash + trigger_id + the submitted values: each press of
//                     Submit brings a new trigger_id, and a form answered with field errors
//                     keeps its hash, so pressing Submit again is a new delivery (a double
//                     click is still one create: `runOnce` keys on view id and hash)
//   shortcut          trigger_id
// Options requests, view_closed and events change nothing and pass untouched.

import { createHash } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { checkAfterAck } from '../slack/after-ack-check.js';
import type { Store } from '../store/store.js';

/**
 * Longer than Bolt's five-minute signature window on either side of our clock, so a replay
 * signed at the edge of the window still finds the key.
 */
export const REPLAY_WINDOW_MS = 11 * 60_000;

export interface ReplayGuardOptions {
  /** Where keys are claimed; the context's `store` (put there by the context middleware) when absent. */
  store?: Store;
  logger: Logger;
  windowMs?: number;
}

type Body = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const rec = (value: unknown): Body => (value && typeof value === 'object' ? (value as Body) : {});
const digest = (value: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('base64url')
    .slice(0, 22);

/** The delivery's own key, or null for requests that change nothing (or carry no id to key on). */
export function deliveryKey(body: Body): string | null {
  return deliveryKeyOf(body)?.() ?? null;
}

/**
 * Whether the delivery has a key, and how to work it out: hashing a click's or a form's
 * content is left for after the ack, when the key is claimed.
 */
function deliveryKeyOf(body: Body): (() => string) | null {
  const type = str(body.type) ?? (str(body.command) ? 'command' : null);
  switch (type) {
    case 'command': {
      const trigger = str(body.trigger_id);
      return trigger ? () => `command:${trigger}` : null;
    }
    case 'block_actions': {
      const action = rec(Array.isArray(body.actions) ? body.actions[0] : undefined);
      const ts = str(action.action_ts);
      if (!ts) return null;
      const who = str(rec(body.user).id) ?? '';
      return () => `action:${digest([ts, who, str(action.action_id), body.container ?? null, str(body.trigger_id)])}`;
    }
    case 'view_submission': {
      const view = rec(body.view);
      const id = str(view.id);
      const hash = str(view.hash);
      return id && hash ? () => `view:${id}:${digest([hash, str(body.trigger_id), rec(view.state).values ?? null])}` : null;
    }
    case 'shortcut':
    case 'message_action': {
      const trigger = str(body.trigger_id);
      return trigger ? () => `shortcut:${trigger}` : null;
    }
    default:
      return null;
  }
}

/** Whose the key is: replays are told apart within one workspace (or org install). */
function workspaceOf(body: Body, context: Body): string {
  const enterprise = str(context.enterpriseId) ?? str(rec(body.enterprise).id) ?? str(body.enterprise_id);
  const team = str(context.teamId) ?? str(rec(body.team).id) ?? str(body.team_id) ?? str(rec(body.user).team_id);
  return `${enterprise ?? '-'}:${team ?? '-'}`;
}

export function createReplayGuard({ store, logger, windowMs = REPLAY_WINDOW_MS }: ReplayGuardOptions): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, context, next } = args;
    const keyOf = deliveryKeyOf(rec(body));
    if (keyOf === null) return next();
    const where = store ?? (context as { store?: Store }).store;
    if (!where) return next();
    const log = (context as { logger?: Logger }).logger ?? logger;
    /** True when this is the delivery's first arrival (or the store cannot tell). */
    const claim = async (): Promise<boolean> => {
      const key = keyOf();
      const claimKey = `delivery:${workspaceOf(rec(body), rec(context))}:${key}`;
      let first: boolean;
      try {
        first = await where.claim(claimKey, windowMs);
      } catch (error) {
        // The store is down: every listener will meet the same outage and say so to the
        // person; refusing here would answer nothing at all. A replay inside this outage is
        // the risk taken.
        log.warn({ err: error, key }, 'could not record the delivery; handling it unguarded');
        return true;
      }
      if (!first) log.info({ key }, 'dropped a delivery already handled (a replay)');
      return first;
    };
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    // Ack first: where the app offers it, the claim runs after the listener's ack and before
    // its work, so under load no ack waits behind the store; a replay is acked and dropped.
    if (checkAfterAck(ack, claim)) return next();
    if (await claim()) return next();
    if (ack) await ack();
  };
}
