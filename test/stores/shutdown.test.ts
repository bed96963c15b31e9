/**
 * A graceful shutdown while a local step is still running: unsubscribe, close the broker, close
 * the store — and the step commits afterwards. Its answer is the truth the check-back needs, so
 * closing the store waits for it to be recorded (`drainLateAnswers`, which the SQL stores' close
 * calls), within a bound.
 */
import pg from 'pg';
import { firstValueFrom, from, lastValueFrom, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  drainLateAnswers,
  memoryStateStore,
  postgresStateStore,
  type StateStore,
  type TransactionalMessage,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';

const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts one transaction whose step commits `after` ms later, and unsubscribes while it runs. */
async function shutDownMidStep(store: StateStore, after: number) {
  const broker = virtualBroker();
  const messages = new Subject<TransactionalMessage>();
  let started!: () => void;
  const running = new Promise<void>((r) => {
    started = r;
  });
  const sub = messages
    .pipe(
      transactional(
        broker,
        async () => {
          started();
          await sleep(after);
          return TransactionState.Commit;
        },
        { store },
      ),
    )
    .subscribe();
  messages.next({ topic: 'Orders', body: 'A' });
  await running;
  sub.unsubscribe();
  broker.close();
  return broker;
}

describe('graceful shutdown with a local step still running', () => {
  it('drainLateAnswers waits until the late commit is recorded (memory store)', async () => {
    const store = memoryStateStore();
    await shutDownMidStep(store, 50);
    expect(store.get('vm-1')).toMatchObject({ state: 'unknown', reason: 'cancelled' });
    expect(await drainLateAnswers(store, { timeoutMs: 5_000 })).toBe(0);
    expect(store.get('vm-1')).toMatchObject({ state: 'commit', reason: 'local-step' });
  });

  it('drainLateAnswers gives up after its timeout and says how many were still running', async () => {
    const store = memoryStateStore();
    await shutDownMidStep(store, 400);
    expect(await drainLateAnswers(store, { timeoutMs: 20 })).toBe(1);
    expect(store.get('vm-1')).toMatchObject({ state: 'unknown', reason: 'cancelled' });
    expect(await drainLateAnswers(store, { timeoutMs: 5_000 })).toBe(0);
  });

  it('closing the PostgreSQL store records the late commit first, so the check-back finds it', async () => {
    const table = `rx_test_shutdown_${Date.now().toString(36)}`;
    const store = await postgresStateStore({ connectionString: PG_URL, table });
    await shutDownMidStep(store, 150);
    await store.close();

    const reader = await postgresStateStore({ connectionString: PG_URL, table });
    try {
      const rec = await firstValueFrom(from(reader.load('vm-1')), { defaultValue: undefined });
      expect(rec).toMatchObject({ state: 'commit', reason: 'local-step' });
      // And the store refuses writes once closed, with a typed error.
      const late = lastValueFrom(from(store.save({ ...(rec as NonNullable<typeof rec>) })));
      await expect(late).rejects.toMatchObject({ _tag: 'StoreError' });
    } finally {
      await reader.close();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop table if exists ${table}`);
      await admin.query(`drop table if exists ${table}_schema`);
      await admin.end();
    }
  });
});
