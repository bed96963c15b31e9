/**
 * The rest of what can stall the SQL store: a failed batch, a slow purge, a hung local step, and
 * a query on a PGlite instance from inside its own transaction. Each on the real database.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { firstValueFrom, from, lastValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Half,
  LocalStepTimeoutError,
  pgliteStateStore,
  postgresStateStore,
  SessionDeadlockError,
  type SqlDatabase,
  sqlStateStore,
  type TransactionRecord,
} from '../../src/index.js';

const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const rec = (messageId: string): TransactionRecord => ({
  messageId,
  transactionId: `t-${messageId}`,
  topic: 'Orders',
  state: 'commit',
  reason: 'local-step',
  sentAt: Date.now(),
  updatedAt: Date.now(),
});
const save = (store: { save(r: TransactionRecord): unknown }, r: TransactionRecord) =>
  lastValueFrom(from(store.save(r) as never), { defaultValue: undefined }).then(
    () => 'saved',
    (e: Error) => e.name,
  );
/** `promise`, or 'still waiting' after `ms`: a stall fails the assertion instead of the run. */
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms))]);

const half = (messageId: string): Half =>
  ({
    messageId,
    transactionId: `t-${messageId}`,
    sentAt: Date.now(),
    message: { topic: 'Orders', body: new Uint8Array(), keys: [], properties: {} },
  }) as unknown as Half;

// One PGlite for the file: starting one takes seconds when the CPU is shared.
let pglite: PGlite;
beforeAll(async () => {
  pglite = await PGlite.create();
}, 120_000);
afterAll(() => pglite.close());

const tables: string[] = [];
const newTable = (prefix: string) => {
  const t = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  tables.push(t);
  return t;
};
afterEach(async () => {
  vi.useRealTimers();
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  for (const t of tables.splice(0)) {
    await admin.query(`drop table if exists ${t}`);
    await admin.query(`drop table if exists ${t}_schema`);
    await admin.query(`drop table if exists ${t}_orders`);
  }
  await admin.end();
});

describe('a failed batch in the SQL store', () => {
  it('fails the bad write alone: the other writes of its statement are retried and saved', async () => {
    const table = newTable('rx_batch');
    const store = await postgresStateStore({ connectionString: PG_URL, table });
    try {
      // Saved in one tick, so they share one statement; a NUL byte is refused by PostgreSQL.
      const ids = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'bad\u0000id' : `ok-${i}`));
      const results = await Promise.all(ids.map((id) => save(store, rec(id))));
      expect(results[7]).toBe('StoreError');
      expect(results.filter((r) => r === 'saved')).toHaveLength(19);
      for (const id of ids.filter((id) => id.startsWith('ok-')))
        expect(await firstValueFrom(from(store.load(id)))).toMatchObject({ state: 'commit' });
    } finally {
      await store.close();
    }
  });

  it('retries a statement that failed transiently: no save fails', async () => {
    let failures = 1;
    const db: SqlDatabase = {
      query: async (text, params) => {
        if (/^\s*insert/i.test(text) && failures > 0) {
          failures--;
          throw new Error('connection reset by peer');
        }
        return pglite.query(text, params) as never;
      },
      transaction: (work) => pglite.transaction((tx) => work(tx)),
      close: async () => {},
    };
    const store = await sqlStateStore(db, { table: 'rx_transient' });
    try {
      const results = await Promise.all(['a', 'b', 'c'].map((id) => save(store, rec(id))));
      expect(results).toEqual(['saved', 'saved', 'saved']);
      expect(await firstValueFrom(from(store.load('b')))).toMatchObject({ state: 'commit' });
    } finally {
      await store.close();
    }
  });
});

describe('the purge of the SQL store', () => {
  it('runs outside the flush: a purge waiting on a lock never delays saves', async () => {
    const table = newTable('rx_purge');
    const store = await postgresStateStore({ connectionString: PG_URL, table, retentionMs: 60_000 });
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    try {
      await locker.query(`insert into ${table} (message_id, transaction_id, topic, state, reason, sent_at, updated_at)
        values ('old', 't', 'Orders', 'commit', 'local-step', 0, 0)`);
      // Another session holds the expired row: the purge's delete waits for it.
      await locker.query('begin');
      await locker.query(`update ${table} set topic = 'x' where message_id = 'old'`);
      // The purge is due (a minute since the last), so the next flush starts one.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 120_000);
      expect(await within(save(store, rec('first')), 5_000)).toBe('saved');
      expect(await within(save(store, rec('second')), 5_000)).toBe('saved');
      vi.useRealTimers();
      await locker.query('rollback');
      await store.close();
      expect((await locker.query(`select 1 from ${table} where message_id = 'old'`)).rows).toHaveLength(0);
    } finally {
      await locker.query('rollback').catch(() => undefined);
      await locker.end();
      await store.close();
    }
  });
});

describe("localStep's deadline", () => {
  it('on PostgreSQL: a hung step ends with a typed error, rolled back, its connection destroyed', async () => {
    const table = newTable('rx_deadline');
    const store = await postgresStateStore({ connectionString: PG_URL, table, maxConnections: 1 });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`create table ${table}_orders (id text primary key)`);
      let pid = 0;
      const errors: unknown[] = [];
      const step = store.localStep(
        async (tx, h) => {
          pid = (await tx.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
          await tx.query(`insert into ${table}_orders (id) values ($1)`, [h.messageId]);
          await tx.query('select pg_sleep(60)'); // hung: a lock wait, a slow query
          return 'commit';
        },
        { timeoutMs: 500, onError: (e) => errors.push(e) },
      );
      expect(await within(step(half('hung')), 10_000)).toBe('rollback');
      expect(errors[0]).toBeInstanceOf(LocalStepTimeoutError);
      expect((await admin.query(`select 1 from ${table}_orders`)).rows).toHaveLength(0);
      // The pool's only connection is free again, and the hung session is gone from the server.
      expect(await within(firstValueFrom(from(store.load('hung'))), 5_000)).toMatchObject({
        state: 'rollback',
      });
      const gone = async () => {
        for (let i = 0; i < 50; i++) {
          const r = await admin.query('select 1 from pg_stat_activity where pid = $1', [pid]);
          if (r.rows.length === 0) return true;
          await new Promise((r) => setTimeout(r, 100));
        }
        return false;
      };
      expect(pid).toBeGreaterThan(0);
      expect(await gone()).toBe(true);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('on PGlite: a hung step ends with a typed error and rolled back; the database goes on', async () => {
    const db = pglite;
    const store = await pgliteStateStore({ db, table: 'rx_deadline' });
    try {
      await db.query('create table if not exists orders (id text primary key)');
      await db.query('delete from orders');
      const errors: unknown[] = [];
      const step = store.localStep(
        async (tx, h) => {
          await tx.query('insert into orders (id) values ($1)', [h.messageId]);
          await new Promise(() => {}); // never answers
          return 'commit';
        },
        { timeoutMs: 300, onError: (e) => errors.push(e) },
      );
      expect(await within(step(half('hung')), 10_000)).toBe('rollback');
      expect(errors[0]).toBeInstanceOf(LocalStepTimeoutError);
      expect((await db.query('select 1 from orders')).rows).toHaveLength(0);
      expect(await firstValueFrom(from(store.load('hung')))).toMatchObject({ state: 'rollback' });
    } finally {
      await store.close();
    }
  });
});

describe('a query on the PGlite instance inside its own localStep', () => {
  it('fails at once with SessionDeadlockError instead of waiting forever; nothing is written', async () => {
    const db = pglite;
    const store = await pgliteStateStore({ db, table: 'rx_deadlock' });
    try {
      await db.query('create table if not exists orders (id text primary key)');
      await db.query('delete from orders');
      const errors: unknown[] = [];
      const step = store.localStep(
        async (tx, h) => {
          await tx.query('insert into orders (id) values ($1)', [h.messageId]);
          await db.query('insert into orders (id) values ($1)', [`${h.messageId}-outside`]);
          return 'commit';
        },
        { timeoutMs: 60_000, onError: (e) => errors.push(e) },
      );
      expect(await within(step(half('m1')), 5_000)).toBe('rollback');
      expect(errors[0]).toBeInstanceOf(SessionDeadlockError);
      expect((await db.query('select id from orders')).rows).toHaveLength(0);
      // Outside a step, the instance is used as before.
      expect((await db.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await store.close();
    }
  });
});
