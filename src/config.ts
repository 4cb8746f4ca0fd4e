// The environment of the brief, parsed once at start-up. A bad or missing value stops the
// bot with one line per problem (see `ConfigError`), never a stack trace. Which Slack
// mode runs follows from the credentials present: app token → Socket Mode, signing
// secret → HTTP, none → the terminal console.

import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { CrmProvider } from './crm/port.js';
import { DEFAULT_UNFURL_DOMAINS } from './parse/deal-link.js';
import type { AccessSettings } from './services/access-policy.js';

export type SlackMode = 'socket' | 'http' | 'console';

export interface Config {
  mode: SlackMode;
  slackBotToken: string | null;
  slackSigningSecret: string | null;
  slackAppToken: string | null;
  slackApiUrl: string | null;
  port: number;
  /** Where `/metrics`, `/healthz` and `/readyz` are served in Socket Mode; null: not served. */
  metricsPort: number | null;
  crmProvider: CrmProvider;
  pipedrive: { apiToken: string; baseUrl: string; apiVersion: 'v1' | 'v2' } | null;
  productive: { apiToken: string; orgId: string; baseUrl: string } | null;
  pipelinedeals: { apiKey: string; baseUrl: string } | null;
  /** `CRM_POLL_SECONDS`: how often the CRM is polled for deal changes (alerts); 0: never. */
  pollSeconds: number;
  /** `PUBLIC_URL`: the bot's public base URL, without a trailing slash; null when not set. */
  publicUrl: string | null;
  /** `UNFURL_DOMAINS`: the domains whose deal links are unfurled (the manifest's `unfurl_domains`). */
  unfurlDomains: string[];
  /** `PIPEDRIVE_WEBHOOK_USER` / `PIPEDRIVE_WEBHOOK_PASSWORD`: the basic auth Pipedrive's webhooks carry; null: no webhooks. */
  pipedriveWebhook: { user: string; password: string } | null;
  storeUrl: string;
  logLevel: string;
  /** Who may do what: ALLOW_GUESTS, UNLINKED_USERS, CLOSE_DEALS, DEALBOT_ADMINS (`services/access-policy.ts`). */
  access: AccessSettings;
  /**
   * `DEALBOT_SECRET_KEY`: the key(s) personal CRM credentials are encrypted with
   * (`store/credential-vault.ts` reads them); null: `/deal connect` is off.
   */
  secretKey: string | null;
}

const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine((s) => /^https?:\/\/[^\s]+$/.test(s) && URL.canParse(s), { message: `${name} must be an http(s) URL` })
    .transform((s) => s.replace(/\/+$/, ''));

const envSchema = z.object({
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || /^xoxb-/.test(v), {
    message: 'SLACK_BOT_TOKEN must be a bot token starting with xoxb-',
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || /^xapp-/.test(v), {
    message: 'SLACK_APP_TOKEN must be an app-level token starting with xapp-',
  }),
  SLACK_API_URL: optionalString.pipe(httpUrl('SLACK_API_URL').optional()),
  PORT: optionalString
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), {
      message: 'PORT must be a whole number from 1 to 65535',
    })
    .transform((v) => (v === undefined ? undefined : Number(v))),
  METRICS_PORT: optionalString
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), {
      message: 'METRICS_PORT must be a whole number from 1 to 65535',
    })
    .transform((v) => (v === undefined ? undefined : Number(v))),
  CRM_PROVIDER: optionalString.pipe(
    z
      .enum(['local', 'pipedrive', 'productive', 'pipelinedeals'], {
        message: 'CRM_PROVIDER must be one of local, pipedrive, productive, pipelinedeals',
      })
      .optional(),
  ),
  PIPEDRIVE_API_TOKEN: optionalString,
  PIPEDRIVE_BASE_URL: optionalString.pipe(httpUrl('PIPEDRIVE_BASE_URL').optional()),
  PIPEDRIVE_API_VERSION: optionalString.pipe(z.enum(['v1', 'v2'], { message: 'PIPEDRIVE_API_VERSION must be v1 or v2' }).optional()),
  PRODUCTIVE_API_TOKEN: optionalString,
  PRODUCTIVE_ORG_ID: optionalString,
  PRODUCTIVE_BASE_URL: optionalString.pipe(httpUrl('PRODUCTIVE_BASE_URL').optional()),
  PIPELINEDEALS_API_KEY: optionalString,
  PIPELINEDEALS_BASE_URL: optionalString.pipe(httpUrl('PIPELINEDEALS_BASE_URL').optional()),
  CRM_POLL_SECONDS: optionalString
    .refine((v) => v === undefined || (/^\d+$/.test(v) && (Number(v) === 0 || (Number(v) >= 10 && Number(v) <= 86_400))), {
      message: 'CRM_POLL_SECONDS must be 0 (off) or a whole number of seconds from 10 to 86400',
    })
    .transform((v) => (v === undefined ? undefined : Number(v))),
  PUBLIC_URL: optionalString.pipe(httpUrl('PUBLIC_URL').optional()),
  UNFURL_DOMAINS: optionalString.refine(
    (v) => v === undefined || v.split(/[\s,]+/).every((d) => d === '' || /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(d)),
    { message: 'UNFURL_DOMAINS must be domain names separated by commas, e.g. pipedrive.com,productive.io' },
  ),
  PIPEDRIVE_WEBHOOK_USER: optionalString.refine((v) => v === undefined || !v.includes(':'), {
    message: 'PIPEDRIVE_WEBHOOK_USER cannot contain ":" (HTTP basic auth)',
  }),
  PIPEDRIVE_WEBHOOK_PASSWORD: optionalString,
  STORE_URL: optionalString.refine((v) => v === undefined || /^(sqlite:\/\/.+|rediss?:\/\/.+|memory:\/\/)$/.test(v), {
    message: 'STORE_URL must be sqlite://<path>, redis://<host>[:port] or memory://',
  }),
  DEALBOT_SECRET_KEY: optionalString.refine((v) => v === undefined || v.split(',').every((k) => k.trim().length >= 16), {
    message:
      'DEALBOT_SECRET_KEY must be 32 bytes as base64 or hex, or a passphrase of at least 16 characters (comma-separated: the first encrypts, the others only decrypt)',
  }),
  ALLOW_GUESTS: optionalString.pipe(z.enum(['none', 'read'], { message: 'ALLOW_GUESTS must be none or read' }).optional()),
  UNLINKED_USERS: optionalString.pipe(
    z.enum(['none', 'read', 'write'], { message: 'UNLINKED_USERS must be read, write or none' }).optional(),
  ),
  CLOSE_DEALS: optionalString.pipe(z.enum(['anyone', 'owner'], { message: 'CLOSE_DEALS must be anyone or owner' }).optional()),
  DEALBOT_ADMINS: optionalString.refine(
    (v) => v === undefined || v.split(/[\s,]+/).every((id) => id === '' || /^[UW][A-Z0-9]+$/.test(id)),
    {
      message: 'DEALBOT_ADMINS must be Slack user ids (U… or W…) separated by commas',
    },
  ),
  LOG_LEVEL: optionalString.pipe(
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .optional(),
  ),
});

/** Parses `env`; throws `ConfigError` listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  }
  const e = parsed.data;
  const problems: string[] = [];

  let mode: SlackMode = 'console';
  if (e.SLACK_BOT_TOKEN && e.SLACK_APP_TOKEN) mode = 'socket';
  else if (e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET) mode = 'http';
  else if (e.SLACK_BOT_TOKEN) {
    problems.push('SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP) is');
  } else if (e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_BOT_TOKEN is missing: it is needed with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET');
  }

  const crmProvider = e.CRM_PROVIDER ?? 'local';
  const need = (name: string, value: string | undefined) => {
    if (!value) problems.push(`${name} is required when CRM_PROVIDER=${crmProvider}`);
    return value ?? '';
  };

  const pipedrive =
    crmProvider === 'pipedrive'
      ? {
          apiToken: need('PIPEDRIVE_API_TOKEN', e.PIPEDRIVE_API_TOKEN),
          baseUrl: e.PIPEDRIVE_BASE_URL ?? 'https://api.pipedrive.com',
          apiVersion: e.PIPEDRIVE_API_VERSION ?? 'v2',
        }
      : null;
  const productive =
    crmProvider === 'productive'
      ? {
          apiToken: need('PRODUCTIVE_API_TOKEN', e.PRODUCTIVE_API_TOKEN),
          orgId: need('PRODUCTIVE_ORG_ID', e.PRODUCTIVE_ORG_ID),
          baseUrl: e.PRODUCTIVE_BASE_URL ?? 'https://api.productive.io',
        }
      : null;
  const pipelinedeals =
    crmProvider === 'pipelinedeals'
      ? {
          apiKey: need('PIPELINEDEALS_API_KEY', e.PIPELINEDEALS_API_KEY),
          baseUrl: e.PIPELINEDEALS_BASE_URL ?? 'https://api.pipelinecrm.com',
        }
      : null;

  if (Boolean(e.PIPEDRIVE_WEBHOOK_USER) !== Boolean(e.PIPEDRIVE_WEBHOOK_PASSWORD)) {
    problems.push('PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD go together: set both, or neither');
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    mode,
    slackBotToken: e.SLACK_BOT_TOKEN ?? null,
    slackSigningSecret: e.SLACK_SIGNING_SECRET ?? null,
    slackAppToken: e.SLACK_APP_TOKEN ?? null,
    slackApiUrl: e.SLACK_API_URL ? `${e.SLACK_API_URL}/` : null,
    port: e.PORT ?? 3000,
    metricsPort: e.METRICS_PORT ?? null,
    crmProvider,
    pipedrive,
    productive,
    pipelinedeals,
    pollSeconds: e.CRM_POLL_SECONDS ?? 60,
    publicUrl: e.PUBLIC_URL ?? null,
    unfurlDomains: e.UNFURL_DOMAINS
      ? e.UNFURL_DOMAINS.split(/[\s,]+/)
          .filter((d) => d !== '')
          .map((d) => d.toLowerCase())
      : [...DEFAULT_UNFURL_DOMAINS],
    pipedriveWebhook:
      e.PIPEDRIVE_WEBHOOK_USER && e.PIPEDRIVE_WEBHOOK_PASSWORD
        ? { user: e.PIPEDRIVE_WEBHOOK_USER, password: e.PIPEDRIVE_WEBHOOK_PASSWORD }
        : null,
    storeUrl: e.STORE_URL ?? 'sqlite://./data/dealbot.sqlite',
    logLevel: e.LOG_LEVEL ?? 'info',
    access: {
      allowGuests: e.ALLOW_GUESTS ?? 'none',
      unlinkedUsers: e.UNLINKED_USERS ?? 'read',
      closeDeals: e.CLOSE_DEALS ?? 'anyone',
      admins: (e.DEALBOT_ADMINS ?? '').split(/[\s,]+/).filter((id) => id !== ''),
    },
    secretKey: e.DEALBOT_SECRET_KEY ?? null,
  };
}
