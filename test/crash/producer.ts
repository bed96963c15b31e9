/**
 * A producer process for the crash tests. Its local step writes a business row through the
 * transaction-log pattern on a shared PostgreSQL; it answers check-backs from that store; it can
 * be SIGKILLed at any moment, or kill itself right after a local commit (before the end call).
 *
 * <endpoints> is the gRPC proxy, or `remoting:<name server>` for the remoting transport.
 *
 *   producer.ts run <endpoints> <topic> <pgUrl> <table> <seed> <count> <generation>
 *   producer.ts die-after-local <endpoints> <topic> <pgUrl> <table>
 *
 * Prints `ready <epoch ms>`, then per transaction `step <message id> <epoch ms>` when its local
 * step starts (the half is stored by then) and `sent <fate>` when it ends, then `done`; every
 * check-back it receives as `check <message id> <epoch ms>` and each answer as `answered …`; on
 * `close` from stdin it closes everything and exits. The times let the harness tell a restart that
 * came too late from check-backs that went elsewhere.
 */
import { createInterface } from 'node:readline';
import { from, lastValueFrom, map, range, tap, toArray } from 'rxjs';
import {
  answerCheckBacks,
  checkBacks,
  type Half,
  postgresStateStore,
  remotingBroker,
  rocketmqBroker,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { rng } from './rng.js';

const [
  mode = 'run',
  endpoints = '',
  topic = '',
  pgUrl = '',
  table = '',
  seedArg = '1',
  countArg = '10',
  generation = 'g0',
] = process.argv.slice(2);

const imported = Date.now();
const store = await postgresStateStore({ connectionString: pgUrl, table });
const stored = Date.now();
// The harness runs every scenario on both paths of the gRPC transport, and over remoting.
const broker = endpoints.startsWith('remoting:')
  ? await remotingBroker({ nameServer: endpoints.slice(9), producerGroup: `pg_${topic}`, topics: [topic] })
  : await rocketmqBroker({ endpoints, topics: [topic], hotPath: process.env.RX_HOT_PATH !== '0' });
// Halves with no record older than this never had their local step commit: roll them back.
const answering = checkBacks(broker)
  .pipe(
    tap((c) => console.log(`check ${c.messageId} ${Date.now()}`)),
    answerCheckBacks(store, { rollbackAbsentAfterMs: 3_500 }),
  )
  .subscribe((a) => {
    if (a._tag === 'Answered') console.log(`answered ${a.check.messageId} ${a.state} ${a.source}`);
  });
const phases = `process ${Math.round(imported - performance.timeOrigin)} ms, store ${stored - imported} ms, broker ${Date.now() - stored} ms`;
console.log(`startup ${phases}`);
console.log(`ready ${Date.now()}`);

const business = `${table}_business`;
const insertRow = (tx: { query(text: string, params?: unknown[]): Promise<unknown> }, half: Half) =>
  tx.query(`insert into ${business} (message_id, body) values ($1, $2)`, [
    half.messageId,
    new TextDecoder().decode(half.message.body),
  ]);

if (mode === 'die-after-local') {
  const inner = store.localStep(async (tx, half) => {
    await insertRow(tx, half);
    return TransactionState.Commit;
  });
  const step = async (half: Half) => {
    const state = await inner(half);
    console.log(`committed ${half.messageId}`);
    // Crash after the local commit, before the end call: only a check-back can deliver it now.
    process.kill(process.pid, 'SIGKILL');
    return state;
  };
  await lastValueFrom(from([{ topic, body: 'committed, then crashed' }]).pipe(transactional(broker, step)));
} else {
  const random = rng(Number(seedArg) * 7919 + generation.length);
  const step = store.localStep(async (tx, half) => {
    console.log(`step ${half.messageId} ${Date.now()}`);
    await insertRow(tx, half);
    const roll = random();
    if (roll < 0.15) throw new Error('local step failed');
    return roll < 0.4 ? TransactionState.Rollback : TransactionState.Commit;
  });
  await lastValueFrom(
    range(0, Number(countArg)).pipe(
      map((i) => ({ topic, body: `${generation}-${i}` })),
      transactional(broker, step, { concurrency: 8 }),
      tap((r) => console.log(`sent ${r._tag === 'Resolved' ? r.fate : r.error._tag}`)),
      toArray(),
    ),
  );
  console.log('done');
}

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  if (line.trim() !== 'close') return;
  lines.close();
  answering.unsubscribe();
  await broker.close();
  await store.close();
  console.log('closed');
});
