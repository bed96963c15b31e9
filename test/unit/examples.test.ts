/** The examples that need no broker run here; those that do run in test/integration. */
import { describe, expect, it } from 'vitest';
import { checkPipeline } from '../../examples/01-marble-test-your-pipeline.js';
import { transactionLog } from '../../examples/04-transaction-log-pattern.js';
import { tracingExample } from '../../examples/05-tracing.js';

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

  it('05: the check-back answered by the second producer is linked to the first one’s send span', async () => {
    expect(await tracingExample()).toEqual([
      'producer 1:',
      '  transaction Orders [INTERNAL] transaction.fate=left-to-check-back transaction.state=commit',
      '  ├─ send Orders [PRODUCER]',
      '  ├─ local_step Orders [INTERNAL] transaction.state=commit',
      '  └─ commit Orders [CLIENT] end.source=client error.type=BrokerUnavailableError ⇢ send Orders (here)',
      'producer 2:',
      '  check Orders [CONSUMER] check_back.answer=commit answer.source=store ⇢ send Orders (in another process)',
      '  └─ commit Orders [CLIENT] end.source=check-back ⇢ send Orders (in another process)',
    ]);
  });
});
