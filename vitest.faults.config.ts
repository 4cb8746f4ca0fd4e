// The fault-injection suite (`npm run test:faults`): the real app over Bolt's HTTP receiver
// against the loopback Slack stand-in and the fake Pipedrive, with faults injected at the
// HTTP boundary. Short client timeouts keep it well under a minute, so CI can run it.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The outcome tables are printed from afterAll; keep them in the output.
    silent: false,
    env: { LOG_LEVEL: 'silent', TZ: 'UTC' },
  },
});
