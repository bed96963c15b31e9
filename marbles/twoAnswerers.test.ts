/**
 * Two answerers on one broker (one store per topic, say): the one that does not know answers
 * `unknown`, which does not use the check up, so the one that knows still commits it at the same
 * check.
 *
 *   end call:      fails (lost): only the check-back can deliver
 *   answerer 1:    --------------------u           empty store: unknown, first to answer
 *   answerer 2:    --------------------c           the store with the commit
 *   delivered:     --------------------A           at the first check, via the check-back
 */
import { describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  checkBacks,
  memoryStateStore,
  TransactionState,
  transactional,
} from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { msg, testScheduler } from './support.js';

describe('two answerers on one broker', () => {
  it('lets the answerer that knows commit after the one that does not answered unknown', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler, transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 3 });
      const knows = memoryStateStore();
      const answers: string[] = [];
      const report = (who: string) => (a: { _tag: string; state?: string }) =>
        answers.push(`${scheduler.now()}:${who}:${a.state ?? a._tag}`);
      checkBacks(broker).pipe(answerCheckBacks(memoryStateStore(), { scheduler })).subscribe(report('other'));
      checkBacks(broker).pipe(answerCheckBacks(knows, { scheduler })).subscribe(report('owner'));
      broker.faults.failNextEnds(1, new Error('connection reset'));
      cold('(a|)', { a: msg('A') })
        .pipe(transactional(broker, () => TransactionState.Commit, { store: knows, scheduler }))
        .subscribe();
      flush();

      expect(answers).toEqual(['20:other:unknown', '20:owner:commit']);
      expect(broker.delivered().map((d) => [d.messageId, d.deliveredAt, d.via])).toEqual([
        ['vm-1', 20, 'check-back'],
      ]);
      expect(broker.discarded()).toEqual([]);
      broker.close();
    });
  });
});
