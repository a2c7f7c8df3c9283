import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // The machines here have 2 cores; PGlite instances are memory-hungry.
    maxWorkers: 2,
    // Apps with the full party lists, spawned CLIs and a browser: generous on 2 cores, still bounded.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
