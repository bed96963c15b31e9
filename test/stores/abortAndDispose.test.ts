/**
 * AbortSignal on every promise-returning API and `Symbol.asyncDispose` on brokers and stores:
 * an aborted creation rejects with AbortedError and leaves nothing open; `await using` closes;
 * disposing twice is harmless; an aborted close stops waiting and still releases.
 */
import pg from 'pg';
import { from, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  pgliteStateStore,
  postgresStateStore,
  rocketmqBroker,
  type SqlDatabase,
  StoreError,
  sqlStateStore,
  TransactionState,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';
import { record } from './contract.js';

const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** Connections the server holds for this application name. */
async function connectionsOf(applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const r = await client.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    return r.rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

describe('AbortSignal', () => {
  it('rejects rocketmqBroker with AbortedError, carrying the reason, when the signal already fired', async () => {
    const error = await rocketmqBroker({
      endpoints: '127.0.0.1:1',
      topics: ['Orders'],
      signal: AbortSignal.abort('shutting down'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError)._tag).toBe('AbortedError');
    expect((error as AbortedError).cause).toBe('shutting down');
    expect((error as AbortedError).retryable).toBe(false);
  });

  it('rejects a store creation whose signal already fired, and creates nothing', async () => {
    const signal = AbortSignal.abort();
    await expect(pgliteStateStore({ signal })).rejects.toBeInstanceOf(AbortedError);
    await expect(postgresStateStore({ connectionString: PG_URL, signal })).rejects.toBeInstanceOf(
      AbortedError,
    );
  });

  it('aborts a PostgreSQL store creation under way and leaves no connection open', async () => {
    const app = `rx_abort_${Math.random().toString(36).slice(2, 9)}`;
    const controller = new AbortController();
    const creating = postgresStateStore({
      connectionString: `${PG_URL}?application_name=${app}`,
      table: `rx_abort_${Date.now().toString(36)}`,
      signal: controller.signal,
    });
    controller.abort(new Error('deploy cancelled'));
    const error = await creating.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(((error as AbortedError).cause as Error).message).toBe('deploy cancelled');
    expect(await connectionsOf(app)).toBe(0);
  });

  it('stops waiting for writes under way when the close signal fires, and still releases the database', async () => {
    let released = false;
    const stuck: SqlDatabase = {
      // The migration answers; every write after it hangs, as on a database that stopped answering.
      query: async (text) =>
        text.includes('on conflict') ? new Promise<never>(() => {}) : { rows: [] as never[] },
      transaction: async (work) => work(stuck),
      close: async () => {
        released = true;
      },
    };
    const store = await sqlStateStore(stuck);
    const writing = lastValueFrom(
      from(store.save(record({ messageId: 'm-1', state: TransactionState.Commit }))),
      {
        defaultValue: undefined,
      },
    );
    void writing.catch(() => undefined);
    const controller = new AbortController();
    const closing = store.close({ signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false); // still waiting for the write
    controller.abort();
    await closing;
    expect(released).toBe(true);
  });
});

describe('Symbol.asyncDispose', () => {
  it('closes a store at the end of an `await using` block; disposing again never throws', async () => {
    const rows = new Map<string, Record<string, unknown>>();
    let closes = 0;
    const db: SqlDatabase = {
      // Enough SQL for the store: the schema version, upserts and lookups by message id.
      query: async (text, params = []) => {
        if (text.includes('on conflict')) {
          rows.set(String(params[0]), {
            message_id: params[0],
            transaction_id: params[1],
            topic: params[2],
            state: params[3],
            reason: params[4],
            sent_at: params[5],
            updated_at: params[6],
          });
        }
        if (text.includes('where message_id')) {
          const row = rows.get(String(params[0]));
          return { rows: (row ? [row] : []) as never[] };
        }
        return { rows: [] as never[] };
      },
      transaction: async (work) => work(db),
      close: async () => {
        closes++;
      },
    };
    let outside: Awaited<ReturnType<typeof sqlStateStore>> | undefined;
    {
      await using store = await sqlStateStore(db);
      await lastValueFrom(from(store.save(record({ messageId: 'm-1' }))), { defaultValue: 0 });
      expect(await store.load('m-1')).toMatchObject({ state: 'commit' });
      outside = store;
    }
    expect(closes).toBe(1);
    const store = outside as NonNullable<typeof outside>;
    await expect(lastValueFrom(from(store.save(record({ messageId: 'm-2' }))))).rejects.toBeInstanceOf(
      StoreError,
    );
    await expect(store[Symbol.asyncDispose]()).resolves.toBeUndefined();
    await expect(store.close()).resolves.toBeUndefined();
    expect(closes).toBe(1);
  });

  it('closes a PostgreSQL store and its pool at the end of an `await using` block', async () => {
    const app = `rx_dispose_${Math.random().toString(36).slice(2, 9)}`;
    {
      await using store = await postgresStateStore({
        connectionString: `${PG_URL}?application_name=${app}`,
        table: `rx_dispose_${Date.now().toString(36)}`,
      });
      expect(await store.load('absent')).toBeUndefined();
      expect(await connectionsOf(app)).toBeGreaterThan(0);
    }
    expect(await connectionsOf(app)).toBe(0);
  });

  it('disposes the virtual broker too: closed after the block, and again without a throw', async () => {
    const broker = virtualBroker();
    {
      await using b = broker;
      void b;
    }
    await expect(
      lastValueFrom(from(broker.sendHalf({ topic: 'T', body: new Uint8Array(1), keys: [], properties: {} }))),
    ).rejects.toThrow('closed');
    await expect(broker[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });
});
