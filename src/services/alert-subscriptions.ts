// The use cases behind `/pipeline alerts …`, the alerts modal and `/deal alerts me`: set a
// channel's alerts, list them, change or turn them off, and a person's own alerts by DM.
// The rules live here:
// - a rule is checked whole before anything is stored (events, the batch window, quiet
//   hours, the value, and that the pipeline and stages it names still exist), and every
//   problem is named at once;
// - anyone in the channel may read its alerts and add one; only whoever set one, or an
//   admin, may change or remove it: a refusal names who set it;
// - the bot must be able to post in the channel before a subscription is saved, so the
//   channel learns now, not at the first deal won, that nothing will come;
// - every change is one step under the subscriptions lock, the permission checked inside it
//   on what is stored then: two people turning alerts off at once never half-apply.
//
// Outcomes are data; `ui/` says them (the listeners of /pipeline alerts and /deal alerts).

import { randomUUID } from 'node:crypto';
import type { DateTime } from 'luxon';
import type { CrmClient } from '../crm/port.js';
import { DEAL_EVENT_KINDS, type DealEventKind } from '../domain/deal-events.js';
import type { AlertDelivery, AlertRule, AlertSubscription, QuietHours } from '../domain/alert-subscription.js';
import { minutesOfDay } from '../domain/quiet-hours.js';
import { canonicalTimeZone } from '../domain/time-zones.js';
import type { AlertStore } from '../store/alert-store.js';

export type { AlertDelivery, AlertRule, AlertSubscription, QuietHours } from '../domain/alert-subscription.js';

/** A channel holds at most this many alert subscriptions (each is one more source of noise). */
export const MAX_ALERTS_PER_CHANNEL = 10;
/** A batch window: at least a minute, at most a day. */
export const BATCH_MINUTES = { min: 1, max: 24 * 60 } as const;

/** Whether the bot can post in a channel, joining a public one it is not in (the digest's port, same answer). */
export interface AlertChannels {
  canPostIn(channelId: string): Promise<boolean>;
}

export interface AlertSubscriptionsDeps {
  store: AlertStore;
  /** To check that a rule's pipeline and stages exist (cached reference data: no deal reads). */
  crm: Pick<CrmClient, 'listPipelines' | 'listStages'>;
  channels: AlertChannels;
  now: () => DateTime;
  /** New subscription ids (tests pin them). */
  newId?: () => string;
}

/** One thing wrong with a rule; `ui/` words each. */
export type AlertRuleProblem =
  | { field: 'events'; problem: 'none' }
  | { field: 'events'; problem: 'unknown'; kinds: string[] }
  | { field: 'delivery'; problem: 'minutes'; min: number; max: number }
  | { field: 'quietHours'; problem: 'times' }
  | { field: 'quietHours'; problem: 'zone'; zone: string }
  | { field: 'minValue'; problem: 'negative' }
  | { field: 'pipeline'; problem: 'gone'; pipelineId: string }
  | { field: 'stages'; problem: 'gone'; stageIds: string[] }
  | { field: 'stages'; problem: 'without-moved' };

type Invalid = { kind: 'invalid'; problems: AlertRuleProblem[] };
type InviteMe = { kind: 'invite-me'; channelId: string };
/** Someone else set it, and the person is no admin: nothing changed. */
export type NotYours = { kind: 'not-yours'; subscriptions: Array<{ n: number; subscription: AlertSubscription }> };
type NotFound = { kind: 'not-found'; n: number; count: number };

export type AlertSubscribeOutcome =
  | Invalid
  | InviteMe
  | { kind: 'too-many'; limit: number; subscriptions: AlertSubscription[] }
  /** Stored; `n` is its number in `/pipeline alerts list`. */
  | { kind: 'subscribed'; subscription: AlertSubscription; n: number }
  /** The channel already had exactly this rule (running): nothing new stored. */
  | { kind: 'unchanged'; subscription: AlertSubscription; n: number };

export type AlertChangeOutcome =
  Invalid | InviteMe | NotYours | NotFound | { kind: 'changed'; previous: AlertSubscription; subscription: AlertSubscription; n: number };

export type AlertOffOutcome = NotYours | NotFound | { kind: 'off'; removed: AlertSubscription[] };

export type PersonalAlertsOutcome =
  | { kind: 'subscribed'; subscription: AlertSubscription }
  | { kind: 'unchanged'; subscription: AlertSubscription }
  /** The person has no CRM user Dealbot knows: there are no deals of theirs to watch. */
  | { kind: 'no-crm-user' };

export type PersonalAlertsOffOutcome = { kind: 'off'; removed: AlertSubscription[] };

/** Who is asking, as the listener knows them. */
export interface AlertActor {
  userId: string;
  /** A workspace admin or owner, or listed in DEALBOT_ADMINS. */
  isAdmin: boolean;
}

const RULE_FIELDS = ['events', 'toStageIds', 'pipelineId', 'minValue', 'ownerId', 'delivery', 'quietHours', 'threadPerDeal'] as const;

/** Same rule: the same events (in any order), filters and delivery. */
export function sameRule(a: AlertRule, b: AlertRule): boolean {
  const norm = (rule: AlertRule) =>
    JSON.stringify(
      RULE_FIELDS.map((field) => {
        const value = rule[field];
        return Array.isArray(value) ? [...value].sort() : value;
      }),
    );
  return norm(a) === norm(b);
}

/** The rule with its lists in order, a zone in its canonical spelling, and no stage filter unless `moved` is watched. */
function normalizedRule(rule: AlertRule): AlertRule {
  const events = DEAL_EVENT_KINDS.filter((k) => rule.events.includes(k));
  const quiet: QuietHours | null = rule.quietHours
    ? { ...rule.quietHours, zone: canonicalTimeZone(rule.quietHours.zone) ?? rule.quietHours.zone }
    : null;
  const delivery: AlertDelivery =
    rule.delivery.kind === 'batched' ? { kind: 'batched', everyMinutes: rule.delivery.everyMinutes } : { kind: 'each' };
  return {
    events,
    toStageIds: [...new Set(rule.toStageIds)],
    pipelineId: rule.pipelineId,
    pipelineName: rule.pipelineName,
    minValue: rule.minValue,
    ownerId: rule.ownerId,
    delivery,
    quietHours: quiet,
    threadPerDeal: rule.threadPerDeal,
  };
}

/** Problems a rule has on its own (no CRM needed). */
export function ruleProblems(rule: AlertRule): AlertRuleProblem[] {
  const problems: AlertRuleProblem[] = [];
  const unknown = rule.events.filter((k) => !(DEAL_EVENT_KINDS as readonly string[]).includes(k));
  if (rule.events.length === 0) problems.push({ field: 'events', problem: 'none' });
  else if (unknown.length > 0) problems.push({ field: 'events', problem: 'unknown', kinds: unknown });
  if (rule.toStageIds.length > 0 && !rule.events.includes('moved')) problems.push({ field: 'stages', problem: 'without-moved' });
  if (rule.delivery.kind === 'batched') {
    const minutes = rule.delivery.everyMinutes;
    if (!Number.isInteger(minutes) || minutes < BATCH_MINUTES.min || minutes > BATCH_MINUTES.max) {
      problems.push({ field: 'delivery', problem: 'minutes', ...BATCH_MINUTES });
    }
  }
  if (rule.quietHours) {
    const from = minutesOfDay(rule.quietHours.from);
    const to = minutesOfDay(rule.quietHours.to);
    if (from === null || to === null || from === to) problems.push({ field: 'quietHours', problem: 'times' });
    if (!canonicalTimeZone(rule.quietHours.zone)) problems.push({ field: 'quietHours', problem: 'zone', zone: rule.quietHours.zone });
  }
  if (rule.minValue !== null && (!Number.isFinite(rule.minValue) || rule.minValue < 0))
    problems.push({ field: 'minValue', problem: 'negative' });
  return problems;
}

const EVERY_KIND: DealEventKind[] = [...DEAL_EVENT_KINDS];

export function createAlertSubscriptions(deps: AlertSubscriptionsDeps) {
  const newId = deps.newId ?? (() => randomUUID());

  /** Everything wrong with `rule`, the CRM asked only when it names a pipeline or stages. */
  async function problemsOf(rule: AlertRule): Promise<AlertRuleProblem[]> {
    const problems = ruleProblems(rule);
    if (problems.length > 0 || (rule.pipelineId === null && rule.toStageIds.length === 0)) return problems;
    if (rule.pipelineId !== null) {
      const pipelines = await deps.crm.listPipelines();
      if (!pipelines.some((p) => p.id === rule.pipelineId))
        problems.push({ field: 'pipeline', problem: 'gone', pipelineId: rule.pipelineId });
    }
    if (rule.toStageIds.length > 0) {
      const stages = await deps.crm.listStages(rule.pipelineId ?? undefined);
      const gone = rule.toStageIds.filter((id) => !stages.some((s) => s.id === id));
      if (gone.length > 0) problems.push({ field: 'stages', problem: 'gone', stageIds: gone });
    }
    return problems;
  }

  const numbered = (list: AlertSubscription[], id: string): number => list.findIndex((s) => s.id === id) + 1;
  const mayChange = (subscription: AlertSubscription, actor: AlertActor): boolean =>
    actor.isAdmin || subscription.createdBy === actor.userId;
  const channelOf = (channelId: string) => (s: AlertSubscription) => s.target.kind === 'channel' && s.target.channelId === channelId;

  function build(id: string, target: AlertSubscription['target'], rule: AlertRule, userId: string, createdAt?: string): AlertSubscription {
    const at = deps.now().toUTC().toISO() ?? '';
    return {
      id,
      target,
      ...normalizedRule(rule),
      createdBy: userId,
      createdAt: createdAt ?? at,
      updatedAt: at,
      paused: false,
      pausedReason: null,
    };
  }

  const service = {
    /** The channel's alerts, oldest first: `n` in list/off is the position here, from 1. */
    list(channelId: string): Promise<AlertSubscription[]> {
      return deps.store.listByChannel(channelId);
    },

    /** Adds an alert subscription to the channel (the same rule again: nothing new, a paused one runs again). */
    async subscribe(request: { channelId: string; userId: string; rule: AlertRule }): Promise<AlertSubscribeOutcome> {
      const rule = normalizedRule(request.rule);
      const problems = await problemsOf(rule);
      if (problems.length > 0) return { kind: 'invalid', problems };
      if (!(await deps.channels.canPostIn(request.channelId))) return { kind: 'invite-me', channelId: request.channelId };
      const existing = (await deps.store.listByChannel(request.channelId)).find((s) => sameRule(s, rule));
      if (existing && !existing.paused)
        return { kind: 'unchanged', subscription: existing, n: numbered(await service.list(request.channelId), existing.id) };
      const subscription = build(
        existing?.id ?? newId(),
        { kind: 'channel', channelId: request.channelId },
        rule,
        request.userId,
        existing?.createdAt,
      );
      const applied = await deps.store.apply({
        add: [subscription],
        check: (current) => {
          const mine = current.filter(channelOf(request.channelId));
          return !existing && mine.length >= MAX_ALERTS_PER_CHANNEL ? mine : null;
        },
      });
      if (!applied.ok) return { kind: 'too-many', limit: MAX_ALERTS_PER_CHANNEL, subscriptions: applied.refusal };
      return { kind: 'subscribed', subscription, n: numbered(await service.list(request.channelId), subscription.id) };
    },

    /**
     * Replaces the rule of the channel's subscription number `n` (the modal's edit). Only its
     * author or an admin may; it keeps its number and becomes the editor's.
     */
    async change(request: { channelId: string; n: number; rule: AlertRule; actor: AlertActor }): Promise<AlertChangeOutcome> {
      const rule = normalizedRule(request.rule);
      const list = await service.list(request.channelId);
      const previous = list[request.n - 1];
      if (!previous) return { kind: 'not-found', n: request.n, count: list.length };
      if (!mayChange(previous, request.actor)) return { kind: 'not-yours', subscriptions: [{ n: request.n, subscription: previous }] };
      const problems = await problemsOf(rule);
      if (problems.length > 0) return { kind: 'invalid', problems };
      if (!(await deps.channels.canPostIn(request.channelId))) return { kind: 'invite-me', channelId: request.channelId };
      const subscription = build(previous.id, previous.target, rule, request.actor.userId, previous.createdAt);
      const applied = await deps.store.apply<AlertChangeOutcome>({
        add: [subscription],
        check: (current) => {
          const now = current.find((s) => s.id === previous.id);
          if (!now) return { kind: 'not-found', n: request.n, count: current.filter(channelOf(request.channelId)).length };
          return mayChange(now, request.actor) ? null : { kind: 'not-yours', subscriptions: [{ n: request.n, subscription: now }] };
        },
      });
      if (!applied.ok) return applied.refusal;
      return { kind: 'changed', previous, subscription, n: request.n };
    },

    /**
     * Turns off the channel's subscription number `n`, or all of them. Refused whole (nothing
     * removed) when any of them was set by someone else and the person is no admin.
     */
    async off(request: { channelId: string; which: number | 'all'; actor: AlertActor }): Promise<AlertOffOutcome> {
      const list = await service.list(request.channelId);
      const chosen = request.which === 'all' ? list : list.slice(request.which - 1, request.which);
      if (request.which !== 'all' && chosen.length === 0) return { kind: 'not-found', n: request.which, count: list.length };
      const refusal = (current: AlertSubscription[]): NotYours | null => {
        const others = chosen
          .map((s) => current.find((c) => c.id === s.id))
          .filter((s): s is AlertSubscription => s !== undefined && !mayChange(s, request.actor))
          .map((subscription) => ({ n: numbered(current.filter(channelOf(request.channelId)), subscription.id), subscription }));
        return others.length > 0 ? { kind: 'not-yours', subscriptions: others } : null;
      };
      const applied = await deps.store.apply({ remove: chosen.map((s) => s.id), check: refusal });
      if (!applied.ok) return applied.refusal;
      return { kind: 'off', removed: chosen };
    },

    /**
     * `/deal alerts me`: a DM when someone else changes a deal the person owns (every kind of
     * change, each as it comes). `crmUserId` is the person's CRM user, as the caller found it.
     */
    async subscribeMe(request: { userId: string; crmUserId: string | null }): Promise<PersonalAlertsOutcome> {
      if (!request.crmUserId) return { kind: 'no-crm-user' };
      const rule: AlertRule = {
        events: EVERY_KIND,
        toStageIds: [],
        pipelineId: null,
        pipelineName: null,
        minValue: null,
        ownerId: request.crmUserId,
        delivery: { kind: 'each' },
        quietHours: null,
        threadPerDeal: false,
      };
      const existing = (await deps.store.listByPerson(request.userId))[0];
      if (existing && !existing.paused && sameRule(existing, rule)) return { kind: 'unchanged', subscription: existing };
      const subscription = build(
        `person-${request.userId}`,
        { kind: 'person', userId: request.userId },
        rule,
        request.userId,
        existing?.createdAt,
      );
      await deps.store.apply({ add: [subscription] });
      return { kind: 'subscribed', subscription };
    },

    /** `/deal alerts me off`. */
    async offMe(request: { userId: string }): Promise<PersonalAlertsOffOutcome> {
      const removed = await deps.store.listByPerson(request.userId);
      if (removed.length > 0) await deps.store.apply({ remove: removed.map((s) => s.id) });
      return { kind: 'off', removed };
    },
  };
  return service;
}

export type AlertSubscriptions = ReturnType<typeof createAlertSubscriptions>;
