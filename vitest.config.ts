import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Examples import the package by name; in tests that name means the sources.
const alias = {
  'rocketmq-rx/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
  'rocketmq-rx/otel': fileURLToPath(new URL('./src/otel/index.ts', import.meta.url)),
  'rocketmq-rx': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
};

// Two projects: `unit` (operators, marbles, virtual broker, types) needs nothing running;
// `integration` talks to a real Apache RocketMQ 5 that its globalSetup starts (or finds through
// ROCKETMQ_ENDPOINTS / ROCKETMQ_NAMESRV) and stops afterwards, on failure too.
export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', './test/support/countingReporter.ts'],
    // The default is one worker per core less one: a single worker on 2 cores. Integration files
    // spend most of their time waiting for the broker's check timers, so let several run at once.
    maxWorkers: 4,
    allowOnly: false,
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          // PGlite (PostgreSQL in WASM) takes tens of seconds to start when the CPU is shared with the
          // integration project's JVMs; this bounds a hung test, it measures nothing.
          testTimeout: 60_000,
          include: [
            'src/**/*.test.ts',
            'marbles/**/*.test.ts',
            'test/unit/**/*.test.ts',
            'test/stores/**/*.test.ts',
          ],
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
        },
      },
      {
        // No alias: these tests load the packed tarball as a user installs it.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['./test/support/rocketmqSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Tests are isolated by topic and consumer group; files may run side by side.
          fileParallelism: true,
        },
      },
    ],
  },
});
