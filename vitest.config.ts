import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Slack and CRM calls are mocked at the HTTP boundary; nothing may reach the internet.
    env: { LOG_LEVEL: 'silent', TZ: 'UTC' },
  },
});
