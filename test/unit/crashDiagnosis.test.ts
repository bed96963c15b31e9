import { describe, expect, it } from 'vitest';
import { diagnose } from '../crash/harness.js';

const timing = { transactionTimeoutMs: 2_000, checkIntervalMs: 1_000, checkMax: 5 };

describe('crash harness diagnosis of a missing message', () => {
  it('blames the restart when the producer came up after the broker last checked the half', () => {
    // Sent 1 s before the kill: checked until 6 s after it; the restart took 12 s.
    expect(
      diagnose('M1', { stepAt: 9_000, killedAt: 10_000, readyAt: 22_000, checks: 0, answers: [], timing }),
    ).toBe('M1: restart took 12.0 s, window 6.0 s after the kill');
  });

  it('says the checks went elsewhere when the producer was up in time and was never asked', () => {
    expect(
      diagnose('M2', { stepAt: 9_000, killedAt: 10_000, readyAt: 13_000, checks: 0, answers: [], timing }),
    ).toBe(
      'M2: checks went elsewhere: the restarted producer was up 3.0 s after the kill, 3.0 s before the window closed, and no check reached it',
    );
  });

  it('reports the answers when the restarted producer was asked', () => {
    expect(
      diagnose('M3', {
        stepAt: 9_000,
        killedAt: 10_000,
        readyAt: 13_000,
        checks: 2,
        answers: ['unknown store', 'unknown store'],
        timing,
      }),
    ).toBe('M3: asked 2 times by the restarted producer, answered [unknown store, unknown store]');
  });
});
