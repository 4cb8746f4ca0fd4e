// Start-up: read the configuration, open the store, build the CRM client, and run the
// app in the mode the credentials call for — Socket Mode, HTTP, or the terminal console
// when no Slack credentials are set. A bad environment ends here with one line per
// problem and exit code 1, never a stack trace.

import type { App, Receiver } from '@slack/bolt';
import { createApp, boltLogger } from './app.js';
import { loadConfig, type Config } from './config.js';
import { startConsole } from './console/console.js';
import { createCrm } from './crm/create-crm.js';
import { createDigestRuntime } from './digest/digest-runtime.js';
import type { Scheduler } from './digest/scheduler.js';
import { ConfigError, StoreError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import type { DealbotContext } from './listeners/context.js';
import { SHORTCUTS } from './listeners/shortcuts/catalog.js';
import { SlashCommand } from './ui/ids.js';
import { createStore } from './store/create-store.js';
import { createHttpReceiver, createSocketReceiver, EVENTS_PATH, HEALTH_PATH } from './slack/receivers.js';
import type { Store } from './store/store.js';

async function runSlack(
  config: Config,
  store: Store,
  logger: Logger,
  app: (receiver: Receiver) => App<DealbotContext>,
): Promise<App<DealbotContext>> {
  if (config.mode === 'socket') {
    const bolt = app(
      createSocketReceiver({ appToken: config.slackAppToken ?? '', logger: boltLogger(logger), slackApiUrl: config.slackApiUrl }),
    );
    await bolt.start();
    logger.info('Dealbot is connected to Slack through Socket Mode');
    return bolt;
  }
  const receiver = createHttpReceiver({
    signingSecret: config.slackSigningSecret ?? '',
    logger: boltLogger(logger),
    health: () => ({ store: store.kind, crm: config.crmProvider }),
  });
  const bolt = app(receiver);
  await bolt.start(config.port);
  logger.info({ port: config.port }, `Dealbot is listening for Slack on POST ${EVENTS_PATH} (health: GET ${HEALTH_PATH})`);
  return bolt;
}

/** The store URL without a password, fit for a message. */
function redactStoreUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:[redacted]@');
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Dealbot cannot start:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    throw error;
  }
  // The console shares the terminal with its user: only warnings unless asked otherwise.
  const logger = createLogger(config.mode === 'console' && !env.LOG_LEVEL ? 'warn' : config.logLevel);
  let store: Store;
  try {
    store = await createStore(config.storeUrl);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    // The most common first-run mistake after a typo: say which setting and what to check.
    process.stderr.write(
      `Dealbot cannot start:\n  - ${error.message}. Check STORE_URL (now ${redactStoreUrl(config.storeUrl)}): ` +
        `${config.storeUrl.startsWith('redis') ? 'is the Redis server running and reachable?' : 'can Dealbot write to that folder?'}\n`,
    );
    return 1;
  }
  let crm;
  try {
    crm = await createCrm(config, store, logger);
  } catch (error) {
    await store.close();
    if (error instanceof ConfigError) {
      process.stderr.write(`Dealbot cannot start:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    throw error;
  }
  const deps = { store, logger, crmForTeam: () => crm };
  // Digests run beside the app in every mode, the console included, posting through the
  // same Web API the app talks to.
  const running: { digests: Scheduler | null } = { digests: null };
  const withDigests = (token: string, slackApiUrl: string | null): Scheduler => {
    running.digests = createDigestRuntime({ store, crm, logger, token, slackApiUrl });
    return running.digests;
  };
  const startDigests = (): void => {
    running.digests?.start().catch((error: unknown) => logger.error({ err: error }, 'the digest scheduler could not start'));
  };

  if (config.mode === 'console') {
    const consoleSession = await startConsole({
      buildApp: ({ receiver, slackApiUrl, token }) =>
        createApp({ ...deps, receiver, token, slackApiUrl, tokenVerification: false, digests: withDigests(token, slackApiUrl) }),
      input: process.stdin,
      output: process.stdout,
      interactive: Boolean(process.stdin.isTTY),
      color: Boolean(process.stdout.isTTY) && !env.NO_COLOR,
      shortcuts: SHORTCUTS.map(({ callbackId, name, type }) => ({ callbackId, name, type })),
      commands: Object.values(SlashCommand),
    });
    startDigests();
    await consoleSession.done;
    running.digests?.stop();
    await consoleSession.close();
    await store.close();
    return 0;
  }

  const bolt = await runSlack(config, store, logger, (receiver) =>
    createApp({
      ...deps,
      receiver,
      token: config.slackBotToken ?? '',
      slackApiUrl: config.slackApiUrl,
      digests: withDigests(config.slackBotToken ?? '', config.slackApiUrl),
    }),
  );
  startDigests();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('Dealbot is stopping');
  running.digests?.stop();
  await bolt.stop();
  await store.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Dealbot stopped on an unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
