// Start-up: read the configuration, open the store, build the CRM client, and run the
// app in the mode the credentials call for — Socket Mode, HTTP, or the terminal console
// when no Slack credentials are set. A bad environment ends here with one line per
// problem and exit code 1, never a stack trace.
//
// As a service (HTTP or Socket Mode) the process is built to be run by a supervisor:
// health, readiness and metrics are served from the first moment; the store and Slack are
// waited for with backoff (not ready meanwhile, one log line saying why) rather than
// failing the start; SIGTERM/SIGINT stop taking requests, let in-flight work finish
// (bounded), release what this process holds, close the store and exit 0.

import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { App } from '@slack/bolt';
import { loadConfig, type Config } from './config.js';
import type { CrmClient } from './crm/port.js';
import type { AlertRuntime } from './runtime/alert-runtime.js';
import type { Scheduler } from './runtime/scheduler.js';
import { ConfigError, SlackTokenRejectedError, StoreError } from './errors.js';
import { createLogger, fileLogDestination, type Logger } from './logger.js';
import type { DealbotContext } from './listeners/context.js';
import { SHORTCUTS } from './listeners/shortcuts/catalog.js';
import { retryWithBackoff } from './runtime/backoff.js';
import { createInFlight, type InFlight } from './runtime/in-flight.js';
import { instrumentReceiver } from './runtime/instrumented-receiver.js';
import { crmExchangeRecorder } from './runtime/crm-metrics.js';
import { instrumentStore } from './runtime/instrumented-store.js';
import { alertRecorder, createMetrics, digestSlotRecorder, type Metrics } from './runtime/metrics.js';
import { createWorkQueue, type WorkQueue } from './runtime/work-queue.js';
import { createOpsServer, type OpsServer } from './runtime/ops-server.js';
import { installProcessGuard } from './runtime/process-guard.js';
import { createReadiness, withDeadline, type Readiness } from './runtime/readiness.js';
import { DRAIN_TIMEOUT_MS, drainWork, onShutdownSignals } from './runtime/shutdown.js';
import type { SlackIdentity } from './runtime/slack-identity.js';
import { SlashCommand } from './ui/ids.js';
import { probeStore } from './store/probe-store.js';
import { CONSOLE_NAMESPACE, workspaceNamespace } from './store/workspace-namespace.js';
import { EVENTS_PATH } from './slack/paths.js';
import type { Store } from './store/store.js';
import type { DealWatch } from './services/deal-watch.js';

// Bolt, the listeners and renderers, the CRM adapters, the store's backends and the Slack Web
// API client are imported where they are first needed (`await import`), not above: a service
// serves /healthz before loading them (most of a start's time), and the console never loads
// what only a service needs.

/** Opening the store at start may take this long before it counts as a failed attempt. */
const STORE_OPEN_DEADLINE_MS = 5_000;

/** The store URL without a password, fit for a message. */
function redactStoreUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:[redacted]@');
}

function cannotStart(problems: string[]): number {
  process.stderr.write(`Dealbot cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  return 1;
}

function storeProblem(config: Config, error: StoreError): string {
  // The most common first-run mistake after a typo: say which setting and what to check.
  return (
    `${error.message}. Check STORE_URL (now ${redactStoreUrl(config.storeUrl)}): ` +
    `${config.storeUrl.startsWith('redis') ? 'is the Redis server running and reachable?' : 'can Dealbot write to that folder?'}`
  );
}

/** The console's log file: beside its SQLite store (./data/dealbot.log by default). */
function consoleLogFile(config: Config): string {
  const sqlite = /^sqlite:\/\/(.+)$/.exec(config.storeUrl)?.[1];
  const folder = sqlite && sqlite !== ':memory:' ? path.dirname(path.resolve(sqlite)) : path.resolve('data');
  return path.join(folder, 'dealbot.log');
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return cannotStart(error.problems);
    throw error;
  }
  return config.mode === 'console' ? runConsole(config, env) : runService(config);
}

/**
 * The console shares the terminal with its user: log lines go to a file, never between the
 * answers (or nowhere, when the file cannot be opened).
 */
async function runConsole(config: Config, env: NodeJS.ProcessEnv): Promise<number> {
  const [
    { createApp },
    { startConsole },
    { STANDIN_BOT, STANDIN_TEAM },
    { createCrm, createPersonalCrms },
    { createDigestRuntime },
    { createStore },
    { createAlertRuntime },
  ] = await Promise.all([
    import('./app.js'),
    import('./console/console.js'),
    import('./console/slack-api-standin.js'),
    import('./crm/create-crm.js'),
    import('./runtime/digest-runtime.js'),
    import('./store/create-store.js'),
    import('./runtime/alert-runtime.js'),
  ]);
  const destination = fileLogDestination(consoleLogFile(config));
  const logger = createLogger(destination ? config.logLevel : 'silent', destination ?? undefined);
  let store: Store;
  try {
    store = await createStore(config.storeUrl);
  } catch (error) {
    if (error instanceof StoreError) return cannotStart([storeProblem(config, error)]);
    throw error;
  }
  let crm: CrmClient;
  let personalCrms: Awaited<ReturnType<typeof createPersonalCrms>>;
  try {
    crm = await createCrm(config, store, logger);
    personalCrms = await createPersonalCrms(config, store, logger);
  } catch (error) {
    await store.close();
    if (error instanceof ConfigError) return cannotStart(error.problems);
    throw error;
  }
  let digests: Scheduler | null = null;
  let alerts: AlertRuntime | null = null;
  const consoleSession = await startConsole({
    buildApp: ({ receiver, slackApiUrl, token }) => {
      digests = createDigestRuntime({ store, crm, logger, token, slackApiUrl, workspace: CONSOLE_NAMESPACE, adoptLegacyState: false });
      // The console's alerts live under its own namespace (subscriptions, the poll's cursor and
      // snapshots): a console sharing the store with a bot never takes the bot's alerts.
      alerts = createAlertRuntime({
        store,
        crm,
        logger,
        token,
        slackApiUrl,
        workspace: CONSOLE_NAMESPACE,
        pollSeconds: config.pollSeconds,
      });
      return createApp({
        store,
        logger,
        crmForTeam: () => crm,
        receiver: instrumentReceiver(receiver, { inFlight: createInFlight(), logger }),
        token,
        slackApiUrl,
        tokenVerification: false,
        workspace: CONSOLE_NAMESPACE,
        digests,
        // The console is an installation of its own: the stand-in's workspace and app.
        installation: { teamId: STANDIN_TEAM.id, enterpriseId: null, isEnterpriseInstall: false, appId: STANDIN_BOT.appId },
        access: config.access,
        secretKey: config.secretKey,
        personalCrms,
      });
    },
    input: process.stdin,
    output: process.stdout,
    interactive: Boolean(process.stdin.isTTY),
    color: Boolean(process.stdout.isTTY) && !env.NO_COLOR,
    shortcuts: SHORTCUTS.map(({ callbackId, name, type }) => ({ callbackId, name, type })),
    commands: Object.values(SlashCommand),
  });
  const started = digests as Scheduler | null;
  started?.start().catch((error: unknown) => logger.error({ err: error }, 'the digest scheduler could not start'));
  const alertsStarted = alerts as AlertRuntime | null;
  alertsStarted?.start();
  await consoleSession.done;
  started?.stop();
  await alertsStarted?.stop();
  await consoleSession.close();
  await store.close();
  return 0;
}

type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Pipedrive's webhooks, in HTTP mode with Pipedrive as the CRM: `POST /webhooks/pipedrive` on
 * the ops server feeds the alerts' deal watch (404 without PIPEDRIVE_WEBHOOK_USER/PASSWORD),
 * and with PUBLIC_URL set the webhook is registered at start when it is missing. A failed
 * registration is logged once and changes nothing else: polling still brings every change.
 */
async function servePipedriveWebhooks(
  config: Config,
  routes: Map<string, Route>,
  deps: {
    store: Store;
    workspace: string;
    watch: DealWatch;
    logger: Logger;
    track: <T>(work: Promise<T>) => Promise<T>;
    /** Each answer's HTTP status (metrics). */
    onAnswer?: (status: number) => void;
  },
): Promise<void> {
  if (config.mode !== 'http' || !config.pipedrive) return;
  const [{ createPipedriveWebhookHandler, PIPEDRIVE_WEBHOOK_PATH }, { readPipedriveWebhook }, { scopeStore }] = await Promise.all([
    import('./runtime/pipedrive-webhook.js'),
    import('./crm/pipedrive/pipedrive-webhook-body.js'),
    import('./store/scoped-store.js'),
  ]);
  const { watch, logger } = deps;
  routes.set(
    PIPEDRIVE_WEBHOOK_PATH,
    createPipedriveWebhookHandler({
      credentials: config.pipedriveWebhook,
      store: scopeStore(deps.store, deps.workspace),
      logger,
      track: deps.track,
      ...(deps.onAnswer ? { onAnswer: deps.onAnswer } : {}),
      read: (body) => {
        const reading = readPipedriveWebhook(body);
        if (reading.kind !== 'deal') return reading;
        return { kind: 'accept', eventId: reading.event.eventId, work: () => watch.ingestPushed(reading.event) };
      },
    }),
  );
  const credentials = config.pipedriveWebhook;
  if (!credentials) return;
  if (!config.publicUrl) {
    logger.info(`PUBLIC_URL is not set: Dealbot does not register its Pipedrive webhook; point one at ${PIPEDRIVE_WEBHOOK_PATH} yourself`);
    return;
  }
  const subscriptionUrl = `${config.publicUrl}${PIPEDRIVE_WEBHOOK_PATH}`;
  const { ensurePipedriveWebhook } = await import('./crm/pipedrive/pipedrive-webhooks.js');
  // Not waited for: the start does not hang on Pipedrive.
  void ensurePipedriveWebhook({
    apiToken: config.pipedrive.apiToken,
    baseUrl: config.pipedrive.baseUrl,
    subscriptionUrl,
    ...credentials,
    logger,
  }).then(
    ({ result, webhookId }) =>
      logger.info(
        { webhookId, subscriptionUrl },
        result === 'created' ? 'registered the Pipedrive webhook' : 'the Pipedrive webhook is registered',
      ),
    (error: unknown) =>
      logger.warn({ err: error, subscriptionUrl }, 'could not register the Pipedrive webhook; deal alerts still come from polling'),
  );
}

/** A probe of the CRM's host: any HTTP answer means reachable. Costs no API budget (not an API path). */
function crmProbe(config: Config): (() => Promise<void>) | null {
  const base = config.pipedrive?.baseUrl ?? config.productive?.baseUrl ?? config.pipelinedeals?.baseUrl;
  if (!base) return null;
  return async () => {
    const response = await fetch(base, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
  };
}

interface Service {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  inFlight: InFlight;
  ops: OpsServer | null;
  /** Aborted when a stop is asked for during start-up. */
  stopping: AbortController;
}

/** Opens the store, retrying with backoff while it is unreachable; a store that can never work ends the start. */
async function openStore(service: Service): Promise<Store> {
  const { config, logger, readiness } = service;
  readiness.setStarting('waiting for the store');
  const { createStore } = await import('./store/create-store.js');
  let said = false;
  const store = await retryWithBackoff(() => withDeadline('the store', createStore(config.storeUrl), STORE_OPEN_DEADLINE_MS), {
    // A SQLite file that cannot be opened is a setting to fix; a Redis that is not there yet may come.
    isFatal: (error) => error instanceof StoreError && !config.storeUrl.startsWith('redis'),
    signal: service.stopping.signal,
    onRetry: (error) => {
      if (said) return;
      said = true;
      logger.warn(
        { store: redactStoreUrl(config.storeUrl), reason: error instanceof Error ? error.message : String(error) },
        'not ready: waiting for the store; retrying with backoff',
      );
    },
  });
  if (said) logger.info('the store answers; carrying on');
  readiness.addCheck('store', async () => {
    await probeStore(store);
  });
  return store;
}

/** Asks Slack who the token is, retrying with backoff while Slack does not answer. */
async function identifySlackBot(service: Service, token: string): Promise<SlackIdentity> {
  const { config, logger, readiness } = service;
  readiness.setStarting('waiting for Slack');
  const { askSlackIdentity, createSlackAuthClient, slackFailureReason, waitForSlackIdentity } = await import('./runtime/slack-identity.js');
  const client = createSlackAuthClient(token, config.slackApiUrl);
  let said = false;
  const identity = await waitForSlackIdentity(client, {
    signal: service.stopping.signal,
    onRetry: (error) => {
      if (said) return;
      said = true;
      logger.warn({ reason: slackFailureReason(error) }, 'not ready: Slack did not answer auth.test; retrying with backoff');
    },
  });
  if (said) logger.info('Slack answers; carrying on');
  // Later checks keep telling a revoked or rotated-away token from a healthy one.
  readiness.addCheck('slack', () => askSlackIdentity(client).then(() => undefined), { cacheMs: 60_000 });
  return identity;
}

async function runService(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const metrics = createMetrics();
  const readiness = createReadiness({ metrics });
  readiness.setPending('store', 'not opened yet');
  readiness.setPending('slack', 'not asked yet');
  const service: Service = { config, logger, metrics, readiness, inFlight: createInFlight(), ops: null, stopping: new AbortController() };
  const shutdown = onShutdownSignals({ logger });
  installProcessGuard({ logger, fatal: () => shutdown.request('uncaught exception') });
  let exitCode = 0;
  void shutdown.requested.then((reason) => {
    if (reason === 'uncaught exception') exitCode = 1;
    service.stopping.abort();
  });

  const opsPort = config.mode === 'http' ? config.port : config.metricsPort;
  /** Routes added once what they need exists (Pipedrive's webhook, `servePipedriveWebhooks`). */
  const extraRoutes = new Map<string, Route>();
  if (opsPort !== null) {
    service.ops = createOpsServer({
      readiness,
      metrics,
      logger,
      health: () => ({ store: config.storeUrl.split(':')[0], crm: config.crmProvider }),
      slackPaths: config.mode === 'http' ? [EVENTS_PATH] : [],
      routes: extraRoutes,
    });
    try {
      await service.ops.listen(opsPort);
    } catch (error) {
      return cannotStart([`cannot listen on port ${opsPort}: ${(error as Error).message}`]);
    }
  }

  let store: Store | null = null;
  let digests: Scheduler | null = null;
  let alerts: AlertRuntime | null = null;
  let bolt: App<DealbotContext> | null = null;
  let afterAck: WorkQueue | null = null;
  try {
    // Loaded now that /healthz is served (see the note at the top of this file).
    const [
      { AFTER_ACK_CONCURRENCY, createApp, boltLogger },
      { createCrm, createPersonalCrms },
      { createDigestRuntime },
      { createHttpReceiver, createSocketReceiver },
      { createAlertRuntime },
    ] = await Promise.all([
      import('./app.js'),
      import('./crm/create-crm.js'),
      import('./runtime/digest-runtime.js'),
      import('./slack/receivers.js'),
      import('./runtime/alert-runtime.js'),
    ]);
    store = instrumentStore(await openStore(service), metrics);
    const crm = await createCrm(config, store, logger, { onExchange: crmExchangeRecorder(metrics) });
    // A person's own credential (`/deal connect`) makes their writes; the same metrics see them.
    const personalCrms = await createPersonalCrms(config, store, logger, { onExchange: crmExchangeRecorder(metrics) });
    const probe = crmProbe(config);
    readiness.addCheck('crm', probe ?? (() => store!.get('readyz:probe').then(() => undefined)), { cacheMs: probe ? 30_000 : 2_000 });
    const token = config.slackBotToken ?? '';
    const identity = await identifySlackBot(service, token);
    // The token's workspace names where its Slack-side state lives (`workspace-namespace.ts`).
    const workspace = workspaceNamespace({
      teamId: identity.teamId,
      enterpriseId: identity.enterpriseId,
      isEnterpriseInstall: identity.isEnterpriseInstall,
    });
    digests = createDigestRuntime({
      store,
      crm,
      logger,
      token,
      slackApiUrl: config.slackApiUrl,
      workspace,
      adoptLegacyState: true,
      onSlot: digestSlotRecorder(metrics),
      // Shutdown waits for a digest being posted as for a request being answered.
      track: (work) => service.inFlight.track(work),
    });
    // Deal alerts: the CRM polled under a lease (the deal watch), delivered per channel under
    // leases, like digests, in the workspace's namespace.
    const { onAnswer: onWebhookAnswer, ...alertHooks } = alertRecorder(metrics);
    alerts = createAlertRuntime({
      store,
      crm,
      logger,
      token,
      slackApiUrl: config.slackApiUrl,
      workspace,
      pollSeconds: config.pollSeconds,
      track: (work) => service.inFlight.track(work),
      ...alertHooks,
    });
    if (alerts.watch) {
      await servePipedriveWebhooks(config, extraRoutes, {
        store,
        workspace,
        watch: alerts.watch,
        logger,
        track: (work) => service.inFlight.track(work),
        onAnswer: onWebhookAnswer,
      });
    }
    // Slack's receivers let go of a request at its ack; its work runs on, tracked for shutdown.
    const instruments = { inFlight: service.inFlight, logger, metrics, releaseAtAck: true };
    afterAck = createWorkQueue({ concurrency: AFTER_ACK_CONCURRENCY });
    const appDeps = {
      store,
      logger,
      crmForTeam: () => crm,
      token,
      slackApiUrl: config.slackApiUrl,
      identity,
      workspace,
      digests,
      afterAck,
      installation: {
        teamId: identity.teamId,
        enterpriseId: identity.enterpriseId,
        isEnterpriseInstall: identity.isEnterpriseInstall,
        appId: identity.appId,
      },
      access: config.access,
      unfurlDomains: config.unfurlDomains,
      secretKey: config.secretKey,
      personalCrms,
    };
    if (config.mode === 'socket') {
      const receiver = instrumentReceiver(
        createSocketReceiver({ appToken: config.slackAppToken ?? '', logger: boltLogger(logger), slackApiUrl: config.slackApiUrl }),
        instruments,
      );
      bolt = createApp({ ...appDeps, receiver });
      await bolt.start();
      logger.info('Dealbot is connected to Slack through Socket Mode');
    } else {
      const receiver = instrumentReceiver(
        createHttpReceiver({ signingSecret: config.slackSigningSecret ?? '', logger: boltLogger(logger) }),
        instruments,
      );
      bolt = createApp({ ...appDeps, receiver });
      service.ops?.attachSlack(receiver.requestListener);
      logger.info({ port: config.port }, `Dealbot is listening for Slack on POST ${EVENTS_PATH}`);
    }
    readiness.setStarting(null);
    const scheduler = digests;
    scheduler.start().catch((error: unknown) => logger.error({ err: error }, 'the digest scheduler could not start'));
    alerts.start();
  } catch (error) {
    if (!service.stopping.signal.aborted) {
      await service.ops?.close();
      await store?.close().catch(() => undefined);
      if (error instanceof SlackTokenRejectedError) {
        return cannotStart([`${error.message}: check SLACK_BOT_TOKEN (reinstall the app or copy the current token).`]);
      }
      if (error instanceof StoreError) return cannotStart([storeProblem(config, error)]);
      if (error instanceof ConfigError) return cannotStart(error.problems);
      throw error;
    }
    // Asked to stop while start-up was still waiting: nothing started, nothing to drain.
  }

  const reason = await shutdown.requested;
  logger.info({ reason }, 'Dealbot is stopping: no new requests; letting work in flight finish');
  service.ops?.beginDrain();
  digests?.stop();
  await alerts?.stop().catch((error: unknown) => logger.warn({ err: error }, 'deal alerts did not stop cleanly'));
  if (bolt && config.mode === 'socket')
    await bolt.stop().catch((error: unknown) => logger.warn({ err: error }, 'Socket Mode did not close cleanly'));
  const { left, queued } = await drainWork(service.inFlight, afterAck, DRAIN_TIMEOUT_MS);
  if (left > 0 || queued > 0) logger.warn({ left, queued }, 'stopping with work still running; its claims lapse on their own');
  await service.ops?.close();
  await store?.close().catch((error: unknown) => logger.warn({ err: error }, 'the store did not close cleanly'));
  logger.info('Dealbot stopped');
  logger.flush();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Dealbot stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
