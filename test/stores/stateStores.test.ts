/**
 * The store contract on the memory, PGlite and PostgreSQL stores, and what the SQL stores add:
 * group commit, retention, shared use by several instances, and the transaction-log pattern.
 * PostgreSQL is the machine's server (PG_URL, default postgresql://postgres@127.0.0.1:5432/test).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Half,
  memoryStateStore,
  pgliteStateStore,
  postgresStateStore,
  type SqlSession,
  type SqlStateStore,
  type StateStore,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';
import { record, stateStoreContract } from './contract.js';

type Session = SqlSession;
const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const tables: string[] = [];
const uniqueTable = () => {
  const t = `rx_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
  tables.push(t);
  return t;
};

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const t of tables) {
    await client.query(`drop table if exists ${t}`);
    await client.query(`drop table if exists ${t}_schema`);
    await client.query(`drop table if exists ${t}_orders`);
  }
  await client.end();
});

stateStoreContract('memory', async () => ({ store: memoryStateStore(), close: async () => {} }), {
  durable: false,
});

stateStoreContract(
  'PGlite',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rx-pglite-'));
    let current = await pgliteStateStore({ dataDir: dir });
    return {
      store: current,
      async reopen() {
        await current.close(); // one process at a time owns a PGlite directory
        current = await pgliteStateStore({ dataDir: dir });
        return current;
      },
      async close() {
        await current.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { durable: true },
);

stateStoreContract(
  'PostgreSQL',
  async () => {
    const table = uniqueTable();
    const stores = [await postgresStateStore({ connectionString: PG_URL, table })];
    return {
      store: stores[0] as StateStore,
      async reopen() {
        const other = await postgresStateStore({ connectionString: PG_URL, table });
        stores.push(other);
        return other;
      },
      async close() {
        for (const s of stores) await s.close();
      },
    };
  },
  { durable: true },
);

const save = (store: StateStore, r: ReturnType<typeof record>) =>
  lastValueFrom(from(store.save(r)), { defaultValue: undefined });

describe('memory store bounds', () => {
  /**
   * What the store promises: it holds the last `maxRecords` writes, and a message id reads as its
   * latest write among them. The model keeps every write and applies that rule directly.
   */
  function model(maxRecords: number) {
    const writes: ReturnType<typeof record>[] = [];
    const live = () => writes.slice(-maxRecords);
    const latest = (id: string) => live().findLast((w) => w.messageId === id);
    return {
      save: (r: ReturnType<typeof record>) => writes.push(r),
      get: latest,
      records: () =>
        live().filter((w, i, all) => all.findLastIndex((x) => x.messageId === w.messageId) === i),
    };
  }

  it('keeps the last maxRecords writes, latest write per message id, whenever it is read', () => {
    // A seeded walk: saves over a small pool of ids (so ids are rewritten and dropped), with reads
    // of every kind in between.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const maxRecords of [1, 3, 8]) {
      const store = memoryStateStore({ maxRecords });
      const expected = model(maxRecords);
      const ids = Array.from({ length: maxRecords * 2 }, (_, i) => `m-${maxRecords}-${i}`);
      // Until the first read nothing is indexed: write past the capacity before reading at all.
      for (let i = 0; i < maxRecords * 3; i++) {
        const r = record({ messageId: ids[i % ids.length] as string, updatedAt: -i });
        store.save(r);
        expected.save(r);
      }
      for (let step = 0; step < 2_000; step++) {
        const id = ids[Math.floor(random() * ids.length)] as string;
        const roll = random();
        if (roll < 0.6) {
          const r = record({ messageId: id, updatedAt: step });
          store.save(r);
          expected.save(r);
        } else if (roll < 0.8) {
          expect(store.get(id)).toEqual(expected.get(id));
        } else if (roll < 0.9) {
          expect(store.records()).toEqual(expected.records());
        } else {
          expect(store.size).toBe(expected.records().length);
        }
      }
      expect(store.records()).toEqual(expected.records());
      expect(store.size).toBeLessThanOrEqual(maxRecords);
    }
  });

  it('answers load with the record, or undefined once it was dropped', async () => {
    const store = memoryStateStore({ maxRecords: 2 });
    const [a, b, c] = [record(), record(), record()];
    for (const r of [a, b, c]) await save(store, r);
    expect(await firstValueFrom(from(store.load(a.messageId)))).toBeUndefined();
    expect(await firstValueFrom(from(store.load(c.messageId)))).toEqual(c);
    // Rewriting b makes it the newest: the next write drops c, not b.
    const b2 = record({ messageId: b.messageId, state: 'rollback' });
    await save(store, b2);
    await save(store, record());
    expect(store.get(b.messageId)).toEqual(b2);
    expect(store.get(c.messageId)).toBeUndefined();
  });

  it('refuses a maxRecords that is not a positive integer', () => {
    for (const maxRecords of [0, -1, 2.5, Number.NaN]) {
      expect(() => memoryStateStore({ maxRecords })).toThrow(
        expect.objectContaining({ _tag: 'ValidationError' }),
      );
    }
  });
});

describe.each([
  ['PGlite', async (table: string) => pgliteStateStore({ table })],
  ['PostgreSQL', async (table: string) => postgresStateStore({ connectionString: PG_URL, table })],
] as const)('%s SQL store', (_name, open) => {
  it('writes concurrent saves in far fewer statements (group commit)', async () => {
    const store = await open(uniqueTable());
    try {
      await Promise.all(Array.from({ length: 500 }, () => save(store, record())));
      const { saves, flushes } = store.stats();
      expect(saves).toBe(500);
      expect(flushes).toBeLessThan(20);
    } finally {
      await store.close();
    }
  });

  it('deletes records older than the retention', async () => {
    const table = uniqueTable();
    const store = await (_name === 'PGlite'
      ? pgliteStateStore({ table, retentionMs: 60_000 })
      : postgresStateStore({ connectionString: PG_URL, table, retentionMs: 60_000 }));
    try {
      const old = record({ updatedAt: Date.now() - 120_000 });
      const fresh = record({ updatedAt: Date.now() });
      await save(store, old);
      await save(store, fresh);
      expect(await store.purgeExpired()).toBe(1);
      expect(await firstValueFrom(from(store.load(old.messageId)))).toBeUndefined();
      expect(await firstValueFrom(from(store.load(fresh.messageId)))).toMatchObject({
        messageId: fresh.messageId,
      });
    } finally {
      await store.close();
    }
  });

  it('rejects a table name that is not a plain identifier', async () => {
    await expect(open('orders; drop table x')).rejects.toMatchObject({ _tag: 'ValidationError' });
  });
});

describe('the transaction-log pattern', () => {
  /** A database we hold ourselves, with the store on it, so the test can read the business table. */
  async function database(kind: 'pglite' | 'postgres') {
    const table = uniqueTable();
    if (kind === 'pglite') {
      const db = await PGlite.create();
      const store = await pgliteStateStore({ db, table });
      return {
        table,
        store: store as SqlStateStore<Session>,
        query: async (text: string, params?: unknown[]) =>
          (await db.query<Record<string, unknown>>(text, params)).rows,
        close: async () => {
          await store.close();
          await db.close();
        },
      };
    }
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    const store = await postgresStateStore({ pool, table });
    return {
      table,
      store: store as SqlStateStore<Session>,
      query: async (text: string, params?: unknown[]) =>
        (await pool.query(text, params)).rows as Record<string, unknown>[],
      close: async () => {
        await store.close();
        await pool.end();
      },
    };
  }

  it.each(['pglite', 'postgres'] as const)(
    'commits the business row and the record together, or neither (%s)',
    async (kind) => {
      const db = await database(kind);
      const orders = `${db.table}_orders`;
      try {
        await db.query(`create table ${orders} (message_id text primary key, item text not null)`);
        const errors: unknown[] = [];
        const step = db.store.localStep(
          async (tx, half: Half) => {
            const item = new TextDecoder().decode(half.message.body);
            await tx.query(`insert into ${orders} (message_id, item) values ($1, $2)`, [
              half.messageId,
              item,
            ]);
            if (item === 'throws') throw new Error('payment declined');
            return item === 'rollback' ? TransactionState.Rollback : TransactionState.Commit;
          },
          { onError: (e) => errors.push(e) },
        );
        const broker = virtualBroker();
        const results = await lastValueFrom(
          from(['commit', 'rollback', 'throws'].map((body) => ({ topic: 'Orders', body }))).pipe(
            transactional(broker, step, { concurrency: 1 }),
            toArray(),
          ),
        );
        broker.close();

        expect(results.map((r) => (r._tag === 'Resolved' ? r.fate : r._tag))).toEqual([
          'committed',
          'rolled-back',
          'rolled-back',
        ]);
        expect(errors.map((e) => (e as Error).message)).toEqual(['payment declined']);
        const [committed, rolledBack, threw] = results.map((r) =>
          r._tag === 'Resolved' ? r.local.half.messageId : '',
        );
        // The business table holds exactly the committed transaction's row…
        expect(
          (await db.query(`select message_id, item from ${orders}`)).map((r) => [r.message_id, r.item]),
        ).toEqual([[committed, 'commit']]);
        // …and the store holds commit for it, rollback for the others.
        const stateOf = async (id: string | undefined) =>
          (await firstValueFrom(from(db.store.load(id as string))))?.state;
        expect([await stateOf(committed), await stateOf(rolledBack), await stateOf(threw)]).toEqual([
          'commit',
          'rollback',
          'rollback',
        ]);
      } finally {
        await db.close();
      }
    },
  );
});
