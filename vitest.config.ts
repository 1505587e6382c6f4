import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and end-to-end tests start real servers and processes; keep them from
    // starving each other on two cores.
    maxWorkers: 2,
    env: { PERCH_VALIDATE_RESULTS: '1' },
  },
});
