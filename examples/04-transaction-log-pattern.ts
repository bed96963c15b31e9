/**
 * Example 4 — the transaction-log pattern: the business row and the outcome record commit in one
 * database transaction (here PGlite, embedded PostgreSQL; with `postgresStateStore` it is the
 * same code), so a check-back always answers from the truth. Runs on the virtual broker: no
 * server needed.
 *
 * Run it: `npx tsx examples/04-transaction-log-pattern.ts`
 */
import { PGlite } from '@electric-sql/pglite';
import { answerCheckBacks, checkBacks, pgliteStateStore, TransactionState, transactional } from 'rocketmq-rx';
import { virtualBroker } from 'rocketmq-rx/testing';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';

export async function transactionLog() {
  const db = await PGlite.create(); // pass a dataDir for a durable database
  await db.query('create table orders (message_id text primary key, item text not null)');
  const store = await pgliteStateStore({ db });
  const broker = virtualBroker({ transactionTimeoutMs: 200, checkIntervalMs: 100, checkMax: 3 });
  const answering = checkBacks(broker)
    .pipe(answerCheckBacks(store, { rollbackAbsentAfterMs: 1_000 }))
    .subscribe();

  const placeOrder = store.localStep(async (tx, half) => {
    const item = new TextDecoder().decode(half.message.body);
    await tx.query('insert into orders (message_id, item) values ($1, $2)', [half.messageId, item]);
    if (item === 'out of stock') throw new Error('no stock left'); // rolls the insert back
    return TransactionState.Commit;
  });

  const results = await lastValueFrom(
    from(['book', 'out of stock', 'lamp'].map((body) => ({ topic: 'Orders', body }))).pipe(
      transactional(broker, placeOrder, { concurrency: 1 }),
      toArray(),
    ),
  );
  const orders = (await db.query<{ message_id: string; item: string }>('select * from orders order by item'))
    .rows;
  const records = await Promise.all(
    results.map(async (r) =>
      r._tag === 'Resolved' ? await firstValueFrom(from(store.load(r.local.half.messageId))) : undefined,
    ),
  );
  answering.unsubscribe();
  broker.close();
  await store.close();
  await db.close();
  return {
    fates: results.map((r) => (r._tag === 'Resolved' ? r.fate : r._tag)),
    orders: orders.map((o) => o.item),
    records: records.map((r) => r?.state),
    delivered: broker.delivered().map((d) => new TextDecoder().decode(d.message.body)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await transactionLog());
