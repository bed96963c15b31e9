/**
 * 1 000 generated inputs through the public surface (test/fuzz/publicSurface.ts); `npm run fuzz`
 * runs 10 000. Each ends as a typed error value or a success.
 */
import { describe, expect, it } from 'vitest';
import { fuzz } from '../fuzz/publicSurface.js';

describe('fuzzing the public surface', () => {
  it('1 000 inputs: no exception escapes, no hang, no dead stream', { timeout: 120_000 }, async () => {
    const { inputs, counts, escapes } = await fuzz(1_000);
    expect(escapes).toEqual([]);
    expect({ escape: counts.escape, hang: counts.hang, dead: counts['dead-stream'] }).toEqual({
      escape: 0,
      hang: 0,
      dead: 0,
    });
    expect(inputs).toBe(1_000);
    // Both kinds of ending were exercised.
    expect(counts.resolved).toBeGreaterThan(0);
    expect(counts.rejected + counts['config-rejected'] + counts['stream-error-typed']).toBeGreaterThan(0);
    expect(counts['check-answered']).toBeGreaterThan(0);
  });
});
