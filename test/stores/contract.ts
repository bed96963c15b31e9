/**
 * The state-store contract: what every store must do, run against each store in
 * stateStores.test.ts. Durable stores also prove what they hold survives reopening.
 */
import { firstValueFrom, from, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { StateStore, TransactionRecord } from '../../src/index.js';

export interface StoreUnderTest {
  readonly store: StateStore;
  /** A second instance over the same data (a restart, or another producer); absent for memory. */
  reopen?(): Promise<StateStore>;
  close(): Promise<void>;
}

let seq = 0;
export function record(overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  seq++;
  return {
    messageId: `msg-${Date.now().toString(36)}-${seq}`,
    transactionId: `tx-${seq}`,
    topic: 'Orders',
    state: 'commit',
    reason: 'local-step',
    sentAt: 1_700_000_000_000 + seq,
    updatedAt: 1_700_000_000_500 + seq,
    ...overrides,
  };
}

const save = (store: StateStore, r: TransactionRecord) =>
  lastValueFrom(from(store.save(r)), { defaultValue: undefined });
const load = (store: StateStore, id: string) =>
  firstValueFrom(from(store.load(id)), { defaultValue: undefined });

export function stateStoreContract(
  name: string,
  open: () => Promise<StoreUnderTest>,
  kind: { durable: boolean },
) {
  describe(`${name} state store`, () => {
    it('returns a saved record with every field, and undefined for an unknown message', async () => {
      const s = await open();
      try {
        const r = record({ state: 'rollback', reason: 'timeout' });
        await save(s.store, r);
        expect(await load(s.store, r.messageId)).toEqual(r);
        expect(await load(s.store, 'no-such-message')).toBeUndefined();
      } finally {
        await s.close();
      }
    });

    it('keeps the last write of a transaction', async () => {
      const s = await open();
      try {
        const r = record({ state: 'unknown', reason: 'cancelled' });
        await save(s.store, r);
        await save(s.store, { ...r, state: 'commit', reason: 'local-step', updatedAt: r.updatedAt + 10 });
        expect(await load(s.store, r.messageId)).toMatchObject({ state: 'commit', reason: 'local-step' });
      } finally {
        await s.close();
      }
    });

    it('acknowledges many concurrent saves, each readable once acknowledged, last write winning', async () => {
      const s = await open();
      try {
        const records = Array.from({ length: 300 }, () => record());
        const twice = records.slice(0, 10).map((r) => ({ ...r, state: 'rollback' as const }));
        await Promise.all([...records, ...twice].map((r) => save(s.store, r)));
        const loaded = await Promise.all(records.map((r) => load(s.store, r.messageId)));
        expect(loaded.filter(Boolean)).toHaveLength(300);
        expect(loaded.slice(0, 10).every((r) => r?.state === 'rollback')).toBe(true);
        expect(loaded.slice(10).every((r) => r?.state === 'commit')).toBe(true);
      } finally {
        await s.close();
      }
    });

    if (kind.durable) {
      it('is durable: a reopened store (a restart, or another instance) reads what was acknowledged', async () => {
        const s = await open();
        const r = record();
        try {
          await save(s.store, r);
          const again = await (s.reopen as () => Promise<StateStore>)();
          expect(await load(again, r.messageId)).toEqual(r);
        } finally {
          await s.close();
        }
      });
    }
  });
}
