import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs the console on the embedded CRM and a SQLite file when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: 'console',
      crmProvider: 'local',
      storeUrl: 'sqlite://./data/dealbot.sqlite',
      port: 3000,
      logLevel: 'info',
      slackApiUrl: null,
    });
  });

  it('picks Socket Mode with an app token and HTTP with a signing secret', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).mode).toBe('socket');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '8080' })).toMatchObject({
      mode: 'http',
      port: 8080,
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: '', CRM_PROVIDER: ' ', PORT: '' })).toMatchObject({
      mode: 'console',
      crmProvider: 'local',
      port: 3000,
    });
  });

  it('names every bad value at once, one line each', () => {
    const problems = problemsOf({
      SLACK_BOT_TOKEN: 'nope',
      PORT: '70000',
      CRM_PROVIDER: 'salesforce',
      STORE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      SLACK_API_URL: 'not a url',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'SLACK_BOT_TOKEN must be a bot token starting with xoxb-',
        'PORT must be a whole number from 1 to 65535',
        'CRM_PROVIDER must be one of local, pipedrive, productive, pipelinedeals',
        'STORE_URL must be sqlite://<path>, redis://<host>[:port] or memory://',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
        'SLACK_API_URL must be an http(s) URL',
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  it('asks for the credentials the chosen CRM needs', () => {
    expect(problemsOf({ CRM_PROVIDER: 'pipedrive' })).toEqual(['PIPEDRIVE_API_TOKEN is required when CRM_PROVIDER=pipedrive']);
    expect(problemsOf({ CRM_PROVIDER: 'productive' })).toEqual([
      'PRODUCTIVE_API_TOKEN is required when CRM_PROVIDER=productive',
      'PRODUCTIVE_ORG_ID is required when CRM_PROVIDER=productive',
    ]);
  });

  it('refuses half a Slack setup instead of silently falling back to the console', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP) is',
    ]);
    expect(problemsOf({ SLACK_SIGNING_SECRET: 'abc' })).toEqual([
      'SLACK_BOT_TOKEN is missing: it is needed with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET',
    ]);
  });

  it('reads Pipedrive settings with their defaults and strips a trailing slash', () => {
    expect(loadConfig({ CRM_PROVIDER: 'pipedrive', PIPEDRIVE_API_TOKEN: 't' }).pipedrive).toEqual({
      apiToken: 't',
      baseUrl: 'https://api.pipedrive.com',
      apiVersion: 'v2',
    });
    expect(
      loadConfig({ CRM_PROVIDER: 'pipedrive', PIPEDRIVE_API_TOKEN: 't', PIPEDRIVE_BASE_URL: 'http://127.0.0.1:4010/' }).pipedrive?.baseUrl,
    ).toBe('http://127.0.0.1:4010');
    expect(loadConfig({ SLACK_API_URL: 'http://127.0.0.1:9/api' }).slackApiUrl).toBe('http://127.0.0.1:9/api/');
  });
});

describe('loadConfig: where alerts get their changes', () => {
  it('polls the CRM every 60 s by default, never with 0, and refuses a poll faster than every 10 s', () => {
    expect(loadConfig({})).toMatchObject({ pollSeconds: 60, publicUrl: null, pipedriveWebhook: null });
    expect(loadConfig({ CRM_POLL_SECONDS: '0' }).pollSeconds).toBe(0);
    expect(loadConfig({ CRM_POLL_SECONDS: '300' }).pollSeconds).toBe(300);
    expect(problemsOf({ CRM_POLL_SECONDS: '5' })).toEqual([
      'CRM_POLL_SECONDS must be 0 (off) or a whole number of seconds from 10 to 86400',
    ]);
    expect(problemsOf({ CRM_POLL_SECONDS: 'often' })).toHaveLength(1);
  });

  it('takes the public URL without its trailing slash, and the webhook credentials only as a pair', () => {
    expect(
      loadConfig({ PUBLIC_URL: 'https://dealbot.example.com/', PIPEDRIVE_WEBHOOK_USER: 'pd', PIPEDRIVE_WEBHOOK_PASSWORD: 'secret' }),
    ).toMatchObject({ publicUrl: 'https://dealbot.example.com', pipedriveWebhook: { user: 'pd', password: 'secret' } });
    expect(problemsOf({ PIPEDRIVE_WEBHOOK_USER: 'pd' })).toEqual([
      'PIPEDRIVE_WEBHOOK_USER and PIPEDRIVE_WEBHOOK_PASSWORD go together: set both, or neither',
    ]);
    expect(problemsOf({ PUBLIC_URL: 'dealbot.example.com' })).toEqual(['PUBLIC_URL must be an http(s) URL']);
  });
});
