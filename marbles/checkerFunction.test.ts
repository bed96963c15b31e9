/**
 * A checker function answers check-backs as a Java TransactionChecker does: from a map keyed by
 * transaction id, now, later (an Observable's first value) or as a Promise. A throw, an error,
 * no answer or a value that is not a state is answered unknown with a CheckerError — never a
 * stream error; the next checks are answered as usual.
 *
 *   check-backs:  -a-b-c-d-e-f-|      a: in the map (commit), b: not in it, c: answers after 3,
 *                                     d: throws, e: answers "yes", f: completes without answering
 *   answers:      -a-b---dce-f-|      a: commit, b: unknown, c: rollback at 8 (3 after it was asked),
 *                                     d e f: unknown (CheckerError)
 */
import { EMPTY, from, lastValueFrom, map, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  type CheckBack,
  CheckerError,
  type TransactionState as State,
  TransactionState,
  ValidationError,
} from '../src/index.js';
import { testScheduler } from './support.js';

describe('answering check-backs with a checker function', () => {
  it('answers what the checker says, now or later, and unknown with a CheckerError when it fails', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions, flush }) => {
      const states = new Map<string, State>([['t-a', TransactionState.Commit]]);
      const sent: string[] = [];
      const check = (id: string): CheckBack => ({
        topic: 'Orders',
        messageId: `m-${id}`,
        transactionId: `t-${id}`,
        answer: (state) => {
          sent.push(`${id}:${state}`);
          return of(undefined);
        },
      });
      const checks = hot<CheckBack>(
        '-a-b-c-d-e-f-|',
        Object.fromEntries([...'abcdef'].map((id) => [id, check(id)])),
      );
      const later = cold('---(r|)', { r: TransactionState.Rollback });
      const checker = (c: CheckBack) => {
        switch (c.transactionId) {
          case 't-c':
            return later;
          case 't-d':
            throw new Error('database down');
          case 't-e':
            return 'yes' as State;
          case 't-f':
            return EMPTY;
          default:
            return states.get(c.transactionId) ?? TransactionState.Unknown;
        }
      };
      const answers = checks.pipe(
        answerCheckBacks(checker, { scheduler }),
        map((a) => (a._tag === 'Answered' ? [a.state, a.source, a.cause?._tag ?? '-'].join(':') : a._tag)),
      );
      expectObservable(answers).toBe('-a-b---dce-f-|', {
        a: 'commit:checker:-',
        b: 'unknown:checker:-',
        c: 'rollback:checker:-',
        d: 'unknown:checker-error:CheckerError',
        e: 'unknown:checker-error:CheckerError',
        f: 'unknown:checker-error:CheckerError',
      });
      expectSubscriptions(checks.subscriptions).toBe('^------------!');
      expectSubscriptions(later.subscriptions).toBe('-----^--!');
      flush();
      expect(sent).toEqual(['a:commit', 'b:unknown', 'd:unknown', 'c:rollback', 'e:unknown', 'f:unknown']);
    });
  });

  it('keeps what went wrong in the CheckerError: the thrown cause, the value answered, the context', async () => {
    const root = new Error('database down');
    const check = (id: string): CheckBack => ({
      topic: 'Orders',
      messageId: `m-${id}`,
      transactionId: `t-${id}`,
      answer: () => of(undefined),
    });
    const answers = await lastValueFrom(
      from([check('a'), check('b')]).pipe(
        answerCheckBacks((c) => {
          if (c.transactionId === 't-a') throw root;
          return Promise.resolve('maybe' as State);
        }),
        toArray(),
      ),
    );
    const causes = answers.map((a) => (a._tag === 'Answered' ? a.cause : undefined));
    expect(causes[0]).toBeInstanceOf(CheckerError);
    expect(causes[0]?.cause).toBe(root);
    expect(causes[0]?.message).toBe('The checker failed: Error: database down');
    expect(causes[0]?.context).toEqual({ topic: 'Orders', messageId: 'm-a', transactionId: 't-a' });
    expect(causes[1]?.message).toBe('The checker answered "maybe", which is not commit, rollback or unknown');
    expect(causes[1]?.context).toEqual({ topic: 'Orders', messageId: 'm-b', transactionId: 't-b' });
  });

  it('answers unknown with a CheckBackTimeoutError when the checker is slower than timeoutMs', () => {
    const scheduler = testScheduler();
    scheduler.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const slow = cold<State>('20ms (c|)', { c: TransactionState.Commit });
      const checks = hot<CheckBack>('-a-|', {
        a: { topic: 'Orders', messageId: 'm-a', transactionId: 't-a', answer: () => of(undefined) },
      });
      const answers = checks.pipe(
        answerCheckBacks(() => slow, { timeoutMs: 5, scheduler }),
        map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}:${a.cause?._tag}` : a._tag)),
      );
      expectObservable(answers).toBe('------(t|)', { t: 'unknown:timeout:CheckBackTimeoutError' });
      // The slow checker is let go of at the timeout, not left running.
      expectSubscriptions(slow.subscriptions).toBe('-^----!');
    });
  });

  it('refuses the absent-record grace with a checker, and anything that is neither store nor checker', () => {
    expect(() =>
      answerCheckBacks(() => TransactionState.Unknown, { rollbackAbsentAfterMs: 1 } as never),
    ).toThrow(ValidationError);
    expect(() => answerCheckBacks({} as never)).toThrow(
      'Invalid answerCheckBacks arguments: store: must be a StateStore (with load) or a checker function',
    );
  });
});
