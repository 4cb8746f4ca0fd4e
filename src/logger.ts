// One pino logger for the process. Anything that could hold a credential is redacted by
// path, and HTTP errors carry pre-redacted requests, so tokens never reach a log line.

import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'token',
  '*.token',
  'headers.authorization',
  'headers["x-api-token"]',
  '*.headers.authorization',
  '*.headers["x-api-token"]',
  'config.slackBotToken',
  'config.slackAppToken',
  'config.slackSigningSecret',
  'config.pipedriveApiToken',
  'config.productiveApiToken',
  'config.pipelinedealsApiKey',
];

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { app: 'dealbot' } },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
