/**
 * At most `concurrency` transactions are in flight, and a `pullable` source is pulled no faster
 * than slots free up: an endless source runs in flat memory.
 *
 *   concurrency 2, every local step takes 10 frames
 *   source pulls:  (ab)------(cd)------(ef)
 *   transactional: 10ms (ab) 9ms (cd) 9ms (ef|)
 *
 * A value a stage does not work on (a `Rejected`) takes no slot: it passes at once.
 *
 *   concurrency 1, the local step takes 10 frames;  a valid, b invalid
 *   sendHalf → executeLocal → resolve:  b 9ms (a|)
 */
import { map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { executeLocal, pullable, resolve, sendHalf, TransactionState, transactional } from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { label, msg, testScheduler } from './support.js';

describe('concurrency and backpressure', () => {
  it('keeps at most `concurrency` transactions in flight and pulls the source only as slots free', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler });
      const pulledAt: number[] = [];
      function* six() {
        for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) {
          pulledAt.push(scheduler.now());
          yield msg(name);
        }
      }
      let inFlight = 0;
      let maxInFlight = 0;
      const step = () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return cold('10ms (c|)', { c: TransactionState.Commit }).pipe(
          map((s) => {
            inFlight--;
            return s;
          }),
        );
      };
      const results = pullable(six()).pipe(
        transactional(broker, step, { concurrency: 2, scheduler }),
        map(label),
      );
      expectObservable(results).toBe('10ms (ab) 6ms (cd) 6ms (ef|)', {
        a: 'a:committed',
        b: 'b:committed',
        c: 'c:committed',
        d: 'd:committed',
        e: 'e:committed',
        f: 'f:committed',
      });
      flush();
      expect(pulledAt).toEqual([0, 0, 10, 10, 20, 20]);
      expect(maxInFlight).toBe(2);
    });
  });

  it('passes a Rejected through executeLocal and resolve at once, not behind the running step', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const broker = virtualBroker({ scheduler });
      const results = cold('(ab|)', { a: msg('a'), b: msg('b', 'not a topic') }).pipe(
        sendHalf(broker, { scheduler }),
        executeLocal(() => cold('10ms (c|)', { c: TransactionState.Commit }), { concurrency: 1, scheduler }),
        resolve(broker, { concurrency: 1, scheduler }),
        map(label),
      );
      expectObservable(results).toBe('b 9ms (a|)', { a: 'a:committed', b: 'b:rejected:ValidationError' });
    });
  });

  it('buffers a push source but still runs at most `concurrency` at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const broker = virtualBroker({ scheduler });
      const source = cold('(abcd|)', { a: msg('a'), b: msg('b'), c: msg('c'), d: msg('d') });
      const step = () => cold('10ms (c|)', { c: TransactionState.Rollback });
      expectObservable(
        source.pipe(transactional(broker, step, { concurrency: 2, scheduler }), map(label)),
      ).toBe('10ms (ab) 6ms (cd|)', {
        a: 'a:rolled-back',
        b: 'b:rolled-back',
        c: 'c:rolled-back',
        d: 'd:rolled-back',
      });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('pulls an endless source no further than what was processed plus the concurrency', () => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler });
      let pulled = 0;
      function* endless() {
        for (;;) {
          pulled++;
          yield msg(`m${pulled}`);
        }
      }
      const step = () => cold('1ms (c|)', { c: TransactionState.Commit });
      const results = pullable(endless()).pipe(
        transactional(broker, step, { concurrency: 64, scheduler }),
        take(1000),
      );
      let received = 0;
      results.subscribe(() => received++);
      flush();
      expect(received).toBe(1000);
      expect(pulled).toBeLessThanOrEqual(1000 + 64);
      expect(broker.stats().sent).toBeLessThanOrEqual(1000 + 64);
    });
  });
});
