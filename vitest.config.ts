import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration and e2e tests talk to the real stack (see test/stack.ts),
// run one file at a time so they don't fight over the broker on a 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          // Some unit tests spawn a CLI or run property checks: generous, since CI shares two cores.
          testTimeout: 30_000,
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/node_modules/**', '.tools/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts', '**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**', '.tools/**'],
          globalSetup: ['test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
