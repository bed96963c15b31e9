/**
 * A storm of check-backs is bounded: at most `concurrency` lookups run, at most `maxQueued` checks
 * wait, and the rest are `Shed` at once — not answered, so the broker asks again at its next check.
 * Memory stays bounded however many checks arrive; nothing is answered wrongly.
 *
 *   concurrency 1, maxQueued 1, lookups take 10 frames
 *   checks   (abcde|)                         then f alone at 27
 *   answers  (CDE)-----A---------B----------------F|
 *            c d e shed at 0; a runs (answered at 10), b waits (20); f, once drained, at 37
 */
import { concat, map, type Observable, of, timer } from 'rxjs';
import { delay, mergeMap } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { type CheckBack, memoryStateStore, type StateStore, TransactionState } from '../src/index.js';
import { answerPaths, testScheduler } from './support.js';

describe.each(answerPaths)('check-back shedding ($name path)', (path) => {
  it('runs concurrency lookups, queues maxQueued checks, sheds the rest, and answers again once drained', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const records = memoryStateStore();
      for (const id of 'abcdef') {
        records.save({
          messageId: id,
          transactionId: `tx-${id}`,
          topic: 'Orders',
          state: TransactionState.Commit,
          reason: 'local-step',
          sentAt: 0,
          updatedAt: 0,
        });
      }
      const slow: StateStore = {
        save: (r) => records.save(r),
        load: (id) => of(records.get(id)).pipe(delay(10, scheduler)),
      };
      const sent: string[] = [];
      const check = (id: string): CheckBack => ({
        topic: 'Orders',
        messageId: id,
        transactionId: `tx-${id}`,
        answer: (state) =>
          of(undefined).pipe(
            map(() => {
              sent.push(`${id}:${state}`);
            }),
          ),
      });
      const storm = cold('(abcde|)', Object.fromEntries([...'abcde'].map((id) => [id, check(id)])));
      const later: Observable<CheckBack> = timer(27, scheduler).pipe(mergeMap(() => of(check('f'))));
      const answers = concat(storm, later).pipe(
        path.answer(slow, { concurrency: 1, maxQueued: 1, scheduler }),
        map((a) => `${a._tag}:${(a.check as CheckBack).messageId}`),
      );
      expectObservable(answers).toBe('(cde) 5ms a 9ms b 16ms (f|)', {
        c: 'Shed:c',
        d: 'Shed:d',
        e: 'Shed:e',
        a: 'Answered:a',
        b: 'Answered:b',
        f: 'Answered:f',
      });
      flush();
      // Only the answered checks reached the broker; the shed ones will be asked again.
      expect(sent).toEqual(['a:commit', 'b:commit', 'f:commit']);
    });
  });
});
