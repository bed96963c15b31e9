/** The examples that need no broker run here; those that do run in test/integration. */
import { describe, expect, it } from 'vitest';
import { checkPipeline } from '../../examples/01-marble-test-your-pipeline.js';
import { transactionLog } from '../../examples/04-transaction-log-pattern.js';

describe('examples', () => {
  it('01: the marble test of a user pipeline passes', () => {
    expect(checkPipeline()).toBe('the pipeline commits order #1 at frame 5');
  });

  it('04: business rows and records commit together; the failed order leaves neither', async () => {
    expect(await transactionLog()).toEqual({
      fates: ['committed', 'rolled-back', 'committed'],
      orders: ['book', 'lamp'],
      records: ['commit', 'rollback', 'commit'],
      delivered: ['book', 'lamp'],
    });
  });
});
