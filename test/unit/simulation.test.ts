/**
 * The seeded simulation (test/simulation/) in the suite: 520 schedules, 52 of each fault class,
 * seeds 1–520, the same on every run. A failure names the seeds; `npm run simulate -- --seed N`
 * replays one, shrinks it and prints its trace. `npm run simulate -- --runs 10000` explores more.
 */
import { describe, expect, it } from 'vitest';
import { classOfSeed, FAULT_CLASSES, runSeed } from '../simulation/simulate.js';

const SEEDS = 520;

describe('the seeded simulation keeps the guarantee', () => {
  for (const faultClass of FAULT_CLASSES) {
    it(`${faultClass}: every committed transaction is delivered, nothing else, every stream and close ends`, async () => {
      const broken: string[] = [];
      let runs = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        if (classOfSeed(seed) !== faultClass) continue;
        runs++;
        const result = await runSeed(seed);
        for (const v of result.violations) broken.push(`seed ${seed}: ${v.kind}: ${v.detail}`);
      }
      expect(runs).toBe(SEEDS / FAULT_CLASSES.length);
      expect(broken, 'replay one with: npm run simulate -- --seed N').toEqual([]);
    }, 180_000);
  }
});
