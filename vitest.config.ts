import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One file at a time (Vitest's default on these 2-core machines). Two or three at once were
    // faster (6.2 min against 10.9 on a quiet machine), but the integration files share one
    // DynamoDB Local, and its heaviest files then ran out of their time on a loaded machine.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Every file shares one DynamoDB Local, and the race tests send it hundreds of requests at
          // once (alone they take 7-15 s): on a loaded 2-core machine they need room. These are
          // correctness tests, never timed ones.
          testTimeout: 240_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // The stack deploys the built console: built here once, when its sources changed.
          globalSetup: ['test/support/console-build.ts', 'test/support/synth-dir.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/console-build.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        // Real Chromium (Debian's, via playwright-core) on the local cloud's pages.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/console-build.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
