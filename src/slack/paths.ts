// Where Slack's requests arrive in HTTP mode, in a module of its own so the process can name
// the path (and serve /healthz) before Bolt is loaded.

export const EVENTS_PATH = '/slack/events';
