// The Block Kit checker lives in src/slack/ (the Slack stand-in refuses what Slack would);
// tests import it from here as before.
export * from '../../src/slack/block-kit-limits.js';
