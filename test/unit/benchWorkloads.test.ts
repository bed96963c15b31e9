/**
 * `npm run bench` compares two workloads on the virtual broker; this runs them small, so that a
 * change which breaks either (or makes one do less work than the other) fails the suite rather
 * than the next benchmark run. Under vitest `rocketmq-rx` is the sources, so no build is needed.
 */
import { describe, expect, it } from 'vitest';
import { viaBareChain, viaTransactional } from '../../bench/variants.mjs';

describe('benchmark workloads', () => {
  it('transactional and the bare chain each commit every message', async () => {
    for (const concurrency of [1, 64]) {
      const ours = await viaTransactional(3_000, concurrency);
      const bare = await viaBareChain(3_000, concurrency);
      expect(ours.committed).toBe(3_000);
      expect(bare.committed).toBe(3_000);
    }
  });
});
