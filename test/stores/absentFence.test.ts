/**
 * `rollbackAbsentAfterMs` against a `localStep` whose database transaction is still open. On
 * PostgreSQL (READ COMMITTED) the check-back cannot see the step's uncommitted writes; the store's
 * fence decides the race instead: the check-back's rollback is a row the step's own record write
 * conflicts with, so the step's transaction — business writes included — rolls back. And ages are
 * measured on the database's clock alone, from when a check-back first found the record absent.
 * On PGlite the single connection serialises the check-back behind the open transaction.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { firstValueFrom, from, lastValueFrom, of, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  type CheckBack,
  type Half,
  pgliteStateStore,
  postgresStateStore,
  type SqlSession,
  type SqlStateStore,
  TransactionState,
} from '../../src/index.js';

const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const tables: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const t of tables) {
    for (const suffix of ['', '_schema', '_orders']) await client.query(`drop table if exists ${t}${suffix}`);
  }
  await client.end();
});

async function database(kind: 'pglite' | 'postgres') {
  const table = `rx_fence_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
  tables.push(table);
  if (kind === 'pglite') {
    const db = await PGlite.create();
    const store = (await pgliteStateStore({ db, table })) as SqlStateStore<SqlSession>;
    const query = async (text: string) => (await db.query<Record<string, unknown>>(text)).rows;
    const close = async () => {
      await store.close();
      await db.close();
    };
    return { table, store, query, close };
  }
  const pool = new pg.Pool({ connectionString: PG_URL, max: 3 });
  const store = (await postgresStateStore({ pool, table })) as SqlStateStore<SqlSession>;
  const query = async (text: string) => (await pool.query(text)).rows as Record<string, unknown>[];
  const close = async () => {
    await store.close();
    await pool.end();
  };
  return { table, store, query, close };
}

const half = (messageId: string): Half =>
  ({
    _tag: 'Half',
    messageId,
    transactionId: `t-${messageId}`,
    sentAt: 0,
    message: { topic: 'Orders', body: new TextEncoder().encode(messageId), keys: [], properties: {} },
  }) as unknown as Half;

/** Answers one check-back for `messageId` and says what was answered, and from where. */
async function ask(store: SqlStateStore<SqlSession>, messageId: string, graceMs: number) {
  const sent: TransactionState[] = [];
  const check: CheckBack = {
    topic: 'Orders',
    messageId,
    transactionId: `t-${messageId}`,
    bornAt: 0, // ancient on any clock: only the store's own clock may decide
    answer: (state) => {
      sent.push(state);
      return of(undefined);
    },
  };
  const [answer] = await lastValueFrom(
    of(check).pipe(answerCheckBacks(store, { rollbackAbsentAfterMs: graceMs, timeoutMs: 20_000 }), toArray()),
  );
  return { state: answer?._tag === 'Answered' ? `${answer.state}:${answer.source}` : answer?._tag, sent };
}

/** A localStep that inserts a business row, then waits for `gate` before answering commit. */
function openStep(store: SqlStateStore<SqlSession>, orders: string) {
  let open!: () => void;
  let release!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const errors: unknown[] = [];
  const step = store.localStep(
    async (tx, h) => {
      await tx.query(`insert into ${orders} (message_id) values ($1)`, [h.messageId]);
      open();
      await gate;
      return TransactionState.Commit;
    },
    { onError: (e) => errors.push(e) },
  );
  return { step, opened, release, errors };
}

describe('the absent-record fence against a still-open localStep', () => {
  it('PostgreSQL: a rollback answered while the step is open rolls the step back, business row included', async () => {
    const db = await database('postgres');
    const orders = `${db.table}_orders`;
    try {
      await db.query(`create table ${orders} (message_id text primary key)`);
      const { step, opened, release, errors } = openStep(db.store, orders);
      const answered = step(half('m-1'));
      await opened;
      expect(await ask(db.store, 'm-1', 0)).toEqual({ state: 'rollback:absent-expired', sent: ['rollback'] });
      release();
      expect(await answered).toBe('rollback');
      expect(errors.map((e) => (e as Error).name)).toEqual(['AbsentRollbackError']);
      // What the broker was told is what happened: no business row, and the store keeps rollback.
      expect(await db.query(`select message_id from ${orders}`)).toEqual([]);
      expect(await firstValueFrom(from(db.store.load('m-1')))).toMatchObject({
        state: 'rollback',
        reason: 'absent',
      });
    } finally {
      await db.close();
    }
  });

  it('PostgreSQL: within the grace the answer is unknown, and the step that commits meanwhile is answered commit', async () => {
    const db = await database('postgres');
    const orders = `${db.table}_orders`;
    try {
      await db.query(`create table ${orders} (message_id text primary key)`);
      const { step, opened, release } = openStep(db.store, orders);
      const answered = step(half('m-2'));
      await opened;
      // Found absent for the first time: a marker on the database's clock, answered unknown.
      expect(await ask(db.store, 'm-2', 60_000)).toEqual({ state: 'unknown:absent', sent: ['unknown'] });
      release();
      expect(await answered).toBe('commit');
      expect(await ask(db.store, 'm-2', 60_000)).toEqual({ state: 'commit:store', sent: ['commit'] });
      expect(await db.query(`select message_id from ${orders}`)).toEqual([{ message_id: 'm-2' }]);
    } finally {
      await db.close();
    }
  });

  it('PostgreSQL: an absent record is rolled back once its marker is older than the grace on the database clock', async () => {
    const db = await database('postgres');
    try {
      expect((await ask(db.store, 'm-3', 300)).state).toBe('unknown:absent');
      expect((await ask(db.store, 'm-3', 300)).state).toBe('unknown:absent');
      await sleep(400);
      expect(await ask(db.store, 'm-3', 300)).toEqual({
        state: 'rollback:absent-expired',
        sent: ['rollback'],
      });
    } finally {
      await db.close();
    }
  });

  it('PGlite: the check-back waits for the open step, and answers its commit', async () => {
    const db = await database('pglite');
    const orders = `${db.table}_orders`;
    try {
      await db.query(`create table ${orders} (message_id text primary key)`);
      const { step, opened, release } = openStep(db.store, orders);
      const answered = step(half('m-4'));
      await opened;
      const asking = ask(db.store, 'm-4', 0);
      await sleep(100);
      release();
      expect(await answered).toBe('commit');
      expect(await asking).toEqual({ state: 'commit:store', sent: ['commit'] });
      expect(await db.query(`select message_id from ${orders}`)).toEqual([{ message_id: 'm-4' }]);
    } finally {
      await db.close();
    }
  });
});
