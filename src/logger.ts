// One pino logger for the process. Anything that could hold a credential is redacted by
// path, and HTTP errors carry pre-redacted requests, so tokens never reach a log line.
// A line written while a Slack request is handled names it (request id, team and user): the
// request's code logs through a child of this logger (`runtime/request-context.ts`).

import { pino, type DestinationStream, type Logger } from 'pino';

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

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { app: 'dealbot' } },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/**
 * Where the console's log goes: a file (created with its folder), never the terminal the
 * person is typing in. Null when the file cannot be opened — then logs go nowhere.
 */
export function fileLogDestination(file: string): DestinationStream | null {
  try {
    return pino.destination({ dest: file, mkdir: true, sync: true });
  } catch {
    return null;
  }
}
