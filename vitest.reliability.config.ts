import { defineConfig } from 'vitest/config';

/**
 * `npm run test:reliability`: the reliability suites (test/reliability/) and the contract fuzz at full
 * size (20,000 requests). Sizes come from environment variables (see RELIABILITY.md); `npm test` runs
 * a short form (`npm run test:reliability:short`).
 */
export default defineConfig({
  test: {
    // The short form (in `npm test`) leaves the fuzz out: `npm test` has just run it at 6,000 requests.
    include: [
      'test/reliability/**/*.test.ts',
      ...(process.env.RELIABILITY_SHORT ? [] : ['test/fuzz/contract-fuzz.test.ts']),
    ],
    testTimeout: 1_800_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // One suite at a time: they load the machine on purpose and measure memory.
    fileParallelism: false,
    env: { FUZZ_REQUESTS: process.env.FUZZ_REQUESTS ?? '20000' },
  },
});
