/**
 * The memory store's default keeps a record until the broker can no longer ask about it, however
 * many writes come after it: a committed transaction whose end call failed is answered `commit`
 * at its check-back after more than 100 000 later writes (the old default ring's size).
 */
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { filter } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { answerCheckBacks, memoryStateStore, TransactionState, transactional } from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';
import { record } from './contract.js';

describe('memory store retention', () => {
  it('answers commit for a committed transaction whose end failed, after 100 001 later writes', async () => {
    const broker = virtualBroker({ transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 1_000 });
    const store = memoryStateStore();
    broker.faults.failNextEnds(1);
    const [result] = await lastValueFrom(
      from([{ topic: 'Orders', body: 'order 1' }]).pipe(
        transactional(broker, () => TransactionState.Commit, { store, endRetry: { maxAttempts: 1 } }),
        toArray(),
      ),
    );
    expect(result?._tag).toBe('Resolved');
    expect(broker.delivered()).toEqual([]); // the end call failed: only a check-back can deliver it
    const messageId = broker.pending()[0]?.messageId as string;

    // Busy traffic after it, all within the broker's check horizon.
    const now = Date.now();
    for (let i = 0; i < 100_001; i++) {
      store.save(record({ messageId: `later-${i}`, sentAt: now, updatedAt: now }));
    }

    const delivered = firstValueFrom(broker.delivered$.pipe(filter((d) => d.messageId === messageId)));
    const answering = broker.checkBacks.pipe(answerCheckBacks(store)).subscribe();
    try {
      const d = await delivered;
      expect(d.via).toBe('check-back');
      expect(store.get(messageId)?.state).toBe('commit');
      expect(store.size).toBe(100_002);
    } finally {
      answering.unsubscribe();
      broker.close();
    }
  });

  it('drops a record only once it is older than retainMs, growing while everything is younger', () => {
    const store = memoryStateStore({ retainMs: 100 });
    const young = (i: number, at: number) => record({ messageId: `m-${at}-${i}`, sentAt: at, updatedAt: at });
    for (let i = 0; i < 3_000; i++) store.save(young(i, 0));
    expect(store.get('m-0-0')?.sentAt).toBe(0); // read: the index now follows every save
    for (let i = 0; i < 3_000; i++) store.save(young(i, 50));
    // Nothing is 100 ms old yet: all 6 000 kept, past the starting ring of 1 024.
    expect(store.size).toBe(6_000);
    for (let i = 0; i < 6_000; i++) store.save(young(i, 1_000));
    // The ring (8 192 by now) filled with the writes of t=1000, which pushed out the oldest, expired.
    const kept = store.records();
    expect(kept.filter((r) => r.sentAt === 1_000)).toHaveLength(6_000);
    expect(kept.length).toBeLessThanOrEqual(8_192);
    expect(store.get('m-0-0')).toBeUndefined();
    expect(store.get('m-50-2999')?.sentAt).toBe(50);
    expect(store.get('m-1000-0')?.sentAt).toBe(1_000);
  });

  it('with maxRecords, keeps exactly that many writes, young or not', () => {
    const store = memoryStateStore({ maxRecords: 10 });
    for (let i = 0; i < 25; i++) store.save(record({ messageId: `b-${i}`, sentAt: 0, updatedAt: 0 }));
    expect(store.records().map((r) => r.messageId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `b-${i + 15}`),
    );
  });
});
