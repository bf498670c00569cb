import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/file-tmp.ts'],
    // test/bench holds the harness (not tests) and its smoke test (a test): the include decides.
    exclude: ['**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file builds its own app and database; two cores, so two forks.
    pool: 'forks',
    maxWorkers: 2,
    // The streaming test collects garbage itself so RSS shows retention, not GC timing.
    execArgv: ['--expose-gc'],
  },
});
