/**
 * A repeated end call is refused, as the real 5.x proxy refuses it (test/integration/
 * repeatedEnd.test.ts): the first end removes the transaction's data. A check sent before the end
 * adds an entry of data, so its answer, landing after the producer's own commit, is still taken
 * (without effect).
 *
 *   commit, commit again:    first ends it; the second: TransactionNotFoundError; delivered once
 *   commit, rollback:        the rollback: TransactionNotFoundError; still delivered once
 *   check racing the commit: the commit and the check's answer both accepted; delivered once
 */
import { concat, from, map, of } from 'rxjs';
import { catchError } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import type { BrokerPort, CheckBack } from '../src/index.js';
import { virtualBroker } from '../src/testing/index.js';
import { testScheduler } from './support.js';

const half = { topic: 'Orders', body: new Uint8Array([1]), keys: [], properties: {} };

const end = (broker: BrokerPort, resolution: 'commit' | 'rollback') =>
  concat(
    broker.endTransaction({
      topic: 'Orders',
      messageId: 'vm-1',
      transactionId: 'vt-1',
      resolution,
      source: 'client',
    }),
  ).pipe(
    map(() => 'ok'),
    catchError((e: Error) => of(e.name)),
  );

describe('a repeated end call', () => {
  it.each([['commit'], ['rollback']] as const)('is refused after a commit, also as %s', (second) => {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, flush }) => {
      const broker = virtualBroker({ scheduler });
      const results = cold('(a|)', {
        a: { topic: 'Orders', body: new Uint8Array([1]), keys: [], properties: {} },
      }).pipe(() =>
        concat(
          from(broker.sendHalf(half)).pipe(map(() => 'sent')),
          end(broker, 'commit'),
          end(broker, second),
        ),
      );
      expectObservable(results).toBe('(sat|)', { s: 'sent', a: 'ok', t: 'TransactionNotFoundError' });
      flush();
      expect(broker.delivered().map((d) => d.messageId)).toEqual(['vm-1']);
      expect(broker.stats()).toMatchObject({ committed: 1, rolledBack: 0 });
    });
  });

  it('takes the answer of a check sent before the commit, without effect', () => {
    const scheduler = testScheduler();
    scheduler.run(({ flush }) => {
      const broker = virtualBroker({ scheduler });
      const checks: CheckBack[] = [];
      broker.checkBacks.subscribe((c) => checks.push(c));
      broker.faults.raceNextCommits(1);
      const outcomes: string[] = [];
      concat(
        broker.sendHalf({ topic: 'Orders', body: new Uint8Array([1]), keys: [], properties: {} }),
        end(broker, 'commit'),
      ).subscribe();
      for (const c of checks) {
        concat(c.answer('commit'))
          .pipe(
            map(() => 'ok'),
            catchError((e: Error) => of(e.name)),
          )
          .subscribe((o) => outcomes.push(o));
      }
      flush();
      expect(checks).toHaveLength(1);
      expect(outcomes).toEqual(['ok']);
      expect(broker.delivered()).toHaveLength(1);
      // And nothing more: a further end is refused.
      end(broker, 'commit').subscribe((o) => outcomes.push(o));
      flush();
      expect(outcomes).toEqual(['ok', 'TransactionNotFoundError']);
    });
  });
});
