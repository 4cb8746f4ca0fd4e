// The Prometheus metrics Dealbot exports on `GET /metrics` (HTTP mode) or on METRICS_PORT
// (Socket Mode). One registry per process, injectable so tests read exactly what they did.
// Every metric is documented in the README's "Deploy" section.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Slack requests received, by kind (command, action, view_submission, shortcut, options, event, other). */
  readonly requests: Counter<'kind'>;
  /** Acks sent back to Slack, by kind; the histogram is the time from receipt to ack. */
  readonly acks: Counter<'kind'>;
  readonly ackSeconds: Histogram<'kind'>;
  /** Time from receipt until every listener for the request has finished. */
  readonly listenerSeconds: Histogram<'kind' | 'outcome'>;
  readonly inFlight: Gauge;
  /** CRM HTTP requests by CRM, endpoint (ids replaced by `:id`), method and status (`error` when no answer). */
  readonly crmRequests: Counter<'crm' | 'endpoint' | 'method' | 'status'>;
  readonly crmSeconds: Histogram<'crm' | 'endpoint' | 'method'>;
  /** What the CRM's rate-limit headers say is left: the short window and the daily budget. */
  readonly crmRateLimitRemaining: Gauge<'crm'>;
  readonly crmDailyBudgetLeft: Gauge<'crm'>;
  /** Budget spent as the CRM reports it: the fall of the daily-budget header between answers. */
  readonly crmBudgetSpent: Counter<'crm'>;
  readonly digestPosts: Counter<'outcome'>;
  /** How late a scheduled digest was posted after its slot. */
  readonly schedulerLagSeconds: Histogram;
  /** A claim someone else already held (idempotency, digest slots, locks). */
  readonly claimConflicts: Counter<'kind'>;
  /** Deal alerts: each delivery to a channel or DM by outcome (sent, dropped, elsewhere, retry, paused, skipped, nothing). */
  readonly alertDeliveries: Counter<'outcome'>;
  /** Deal alerts: each timed poll of the CRM by result (polled, baseline, elsewhere, error). */
  readonly alertPolls: Counter<'result'>;
  /** Pipedrive webhook requests by the HTTP status answered. */
  readonly webhookRequests: Counter<'status'>;
  /** Deal alerts waiting in every outbox, as of the last delivery pass. */
  readonly alertOutbox: Gauge;
  /** 1 when ready, by check (store, slack, crm). */
  readonly ready: Gauge<'check'>;
}

export function createMetrics(options: { registry?: Registry; defaultMetrics?: boolean } = {}): Metrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'dealbot_' });
  const registers = [registry];
  const kindBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5];
  return {
    registry,
    requests: new Counter({ name: 'dealbot_slack_requests_total', help: 'Slack requests received', labelNames: ['kind'], registers }),
    acks: new Counter({ name: 'dealbot_slack_acks_total', help: 'Slack requests acknowledged', labelNames: ['kind'], registers }),
    ackSeconds: new Histogram({
      name: 'dealbot_slack_ack_seconds',
      help: 'Time from receiving a Slack request to acknowledging it (Slack allows 3 s)',
      labelNames: ['kind'],
      buckets: kindBuckets,
      registers,
    }),
    listenerSeconds: new Histogram({
      name: 'dealbot_listener_seconds',
      help: 'Time from receiving a Slack request until its listeners finished',
      labelNames: ['kind', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    inFlight: new Gauge({ name: 'dealbot_requests_in_flight', help: 'Slack requests whose listeners are still running', registers }),
    crmRequests: new Counter({
      name: 'dealbot_crm_requests_total',
      help: 'CRM HTTP requests by endpoint and status',
      labelNames: ['crm', 'endpoint', 'method', 'status'],
      registers,
    }),
    crmSeconds: new Histogram({
      name: 'dealbot_crm_request_seconds',
      help: 'CRM HTTP request time',
      labelNames: ['crm', 'endpoint', 'method'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    crmRateLimitRemaining: new Gauge({
      name: 'dealbot_crm_ratelimit_remaining',
      help: 'Requests left in the CRM rate-limit window (x-ratelimit-remaining)',
      labelNames: ['crm'],
      registers,
    }),
    crmDailyBudgetLeft: new Gauge({
      name: 'dealbot_crm_daily_budget_left',
      help: "What is left of the CRM's daily budget (x-daily-requests-left, x-daily-token-budget-left)",
      labelNames: ['crm'],
      registers,
    }),
    crmBudgetSpent: new Counter({
      name: 'dealbot_crm_budget_spent_total',
      help: "Daily budget spent, as the fall of the CRM's daily-budget header between answers",
      labelNames: ['crm'],
      registers,
    }),
    digestPosts: new Counter({
      name: 'dealbot_digest_posts_total',
      help: 'Scheduled digests by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    schedulerLagSeconds: new Histogram({
      name: 'dealbot_digest_lag_seconds',
      help: 'How long after its slot a scheduled digest was posted',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    claimConflicts: new Counter({
      name: 'dealbot_claim_conflicts_total',
      help: 'Claims found already held by another request or replica',
      labelNames: ['kind'],
      registers,
    }),
    alertDeliveries: new Counter({
      name: 'dealbot_alert_deliveries_total',
      help: 'Deal alert deliveries to a channel or DM by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    alertPolls: new Counter({
      name: 'dealbot_alert_polls_total',
      help: 'Polls of the CRM for deal changes by result (error: the poll failed)',
      labelNames: ['result'],
      registers,
    }),
    webhookRequests: new Counter({
      name: 'dealbot_webhook_requests_total',
      help: 'Pipedrive webhook requests by HTTP status answered',
      labelNames: ['status'],
      registers,
    }),
    alertOutbox: new Gauge({ name: 'dealbot_alert_outbox', help: 'Deal alerts waiting to be sent, all targets', registers }),
    ready: new Gauge({ name: 'dealbot_ready', help: '1 when the check passed at the last /readyz', labelNames: ['check'], registers }),
  };
}

/**
 * The scheduler's `onSlot`: each scheduled slot by outcome (posted, elsewhere, retry, paused,
 * skipped, error), and for a posted one how long after its slot it was in the channel.
 */
export function digestSlotRecorder(metrics: Pick<Metrics, 'digestPosts' | 'schedulerLagSeconds'>) {
  return (outcome: { result: string }, lagMs: number): void => {
    metrics.digestPosts.inc({ outcome: outcome.result });
    if (outcome.result === 'posted') metrics.schedulerLagSeconds.observe(Math.max(0, lagMs) / 1000);
  };
}

/**
 * The alert runtime's hooks: each delivery by outcome (a send that failed for good is
 * `skipped`, one to try again `retry`, a paused subscription `paused`), each timed poll by
 * result (`error` when it failed), the outbox depth at each pass; and the Pipedrive
 * webhook's answers by status.
 */
export function alertRecorder(metrics: Pick<Metrics, 'alertDeliveries' | 'alertPolls' | 'alertOutbox' | 'webhookRequests'>) {
  return {
    onDelivered: (outcome: { result: string }): void => metrics.alertDeliveries.inc({ outcome: outcome.result }),
    onPoll: (result: string): void => metrics.alertPolls.inc({ result }),
    onQueued: (queued: number): void => metrics.alertOutbox.set(queued),
    onAnswer: (status: number): void => metrics.webhookRequests.inc({ status: String(status) }),
  };
}
