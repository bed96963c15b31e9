/**
 * Example 1 — test your own pipeline with marbles on the virtual broker: the local step answers
 * commit after 5 frames, and the message is delivered at frame 5. Runs anywhere, no broker needed.
 *
 * Run it: `npx tsx examples/01-marble-test-your-pipeline.ts`
 */

import { TransactionState, transactional } from 'rocketmq-rx';
import { virtualBroker } from 'rocketmq-rx/testing';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

export function checkPipeline(): string {
  const scheduler = new TestScheduler((actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  });
  scheduler.run(({ cold, expectObservable }) => {
    const broker = virtualBroker({ scheduler });
    const orders = cold('a|', { a: { topic: 'Orders', body: 'order #1' } });
    const saveOrder = () => cold('-----(c|)', { c: TransactionState.Commit });
    const fates = orders.pipe(
      transactional(broker, saveOrder, { scheduler }),
      map((r) => (r._tag === 'Resolved' ? r.fate : r.error._tag)),
    );
    expectObservable(fates).toBe('-----(f|)', { f: 'committed' });
    expectObservable(broker.delivered$.pipe(map((d) => d.messageId))).toBe('-----d', { d: 'vm-1' });
  });
  return 'the pipeline commits order #1 at frame 5';
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(checkPipeline());
