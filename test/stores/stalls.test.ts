/**
 * A hung statement in the SQL store (here: a row lock held by another session) fails the saves it
 * holds after `statementTimeoutMs`, with a typed error, and stops nothing else: later saves are
 * written, and `close()` returns while the statement still hangs.
 */
import pg from 'pg';
import { firstValueFrom, from, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { postgresStateStore, type TransactionRecord } from '../../src/index.js';

const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const rec = (messageId: string): TransactionRecord => ({
  messageId,
  transactionId: `t-${messageId}`,
  topic: 'Orders',
  state: 'commit',
  reason: 'local-step',
  sentAt: 1,
  updatedAt: 2,
});
const save = (store: { save(r: TransactionRecord): unknown }, r: TransactionRecord) =>
  lastValueFrom(from(store.save(r) as never), { defaultValue: undefined }).then(
    () => 'saved',
    (e: Error) => e.name,
  );

describe('a hung statement in the SQL store', () => {
  it('fails only the saves it holds, after statementTimeoutMs; later saves and close() go on', async () => {
    const table = `rx_stall_${Date.now().toString(36)}`;
    const store = await postgresStateStore({
      connectionString: PG_URL,
      table,
      statementTimeoutMs: 300,
      drainTimeoutMs: 1_000,
    });
    const locker = new pg.Client({ connectionString: PG_URL });
    await locker.connect();
    try {
      // Another session holds the row of `locked` in an open transaction: writing it waits.
      await locker.query('begin');
      await locker.query(`insert into ${table} (message_id, transaction_id, topic, state, reason, sent_at, updated_at)
        values ('locked', 't', 'Orders', 'unknown', 'timeout', 0, 0)`);
      const started = Date.now();
      expect(await save(store, rec('locked'))).toBe('StoreError');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await save(store, rec('free'))).toBe('saved');
      expect(await firstValueFrom(from(store.load('free')))).toMatchObject({ state: 'commit' });
      const closing = Date.now();
      await store.close(); // the locked statement still waits: close must not
      expect(Date.now() - closing).toBeLessThan(15_000);
    } finally {
      await locker.query('rollback');
      await locker.query(`drop table if exists ${table}`);
      await locker.query(`drop table if exists ${table}_schema`);
      await locker.end();
    }
  });
});
