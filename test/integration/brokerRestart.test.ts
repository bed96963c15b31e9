/**
 * The RocketMQ server stopped and restarted (keeping its store) while transactions flow, with the
 * PostgreSQL store and `store.localStep`: afterwards every committed business row is delivered,
 * and nothing else. The restart loses the proxy's memory of open transactions, so halves whose
 * local step committed around it can only be settled by check-backs answered from the store.
 */
import { concatMap, delay, from, lastValueFrom, map, of, range, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../../examples/support/collect.js';
import {
  answerCheckBacks,
  checkBacks,
  postgresStateStore,
  rocketmqBroker,
  TransactionState,
  type TransactionValue,
  transactional,
} from '../../src/index.js';
import { committedRows, dropTables, prepareTables } from '../crash/harness.js';
import { useRocketMQ } from '../support/onDemandBroker.js';

const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const COUNT = 60;

describe('broker restart while transactions flow', () => {
  // The producer must reconnect and re-register within the check window after the restart: the
  // window (≈32 s of checks) is sized for that on a loaded machine, like the crash harness's.
  const rocketmq = useRocketMQ({ transactionCheckMax: 30, topics: { restart: 'TRANSACTION' } });

  it('delivers every committed business row and nothing else when the server restarts mid-stream', {
    timeout: 400_000,
  }, async () => {
    const { mq, topics } = rocketmq();
    const topic = topics.restart as string;
    const table = `rx_restart_${Date.now().toString(36)}`;
    await prepareTables(PG_URL, table);
    const store = await postgresStateStore({ connectionString: PG_URL, table });
    const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic] });
    const consumer = await startCollector(mq.endpoints, topic, `g_${table}`);
    const answered: string[] = [];
    const answering = checkBacks(broker)
      .pipe(
        answerCheckBacks(store, {
          // Longer than step 19 stays open (the server's stop): with a shorter grace the fence rolls
          // that still-open step back, correctly, and the test would prove nothing about restarts.
          rollbackAbsentAfterMs: 300_000,
        }),
      )
      .subscribe((a) => {
        // With the send's failure, if any: an answer the proxy refused never took effect.
        if (a._tag === 'Answered')
          answered.push(`${a.check.messageId} ${a.state}${a.cause ? `(${a.cause._tag})` : ''}`);
      });
    // Message 19's step stops the server and answers only once it is down: its half was sent, its
    // row commits, and its end call cannot reach the server, so only a check-back after the
    // restart can deliver it — every run exercises that path, whatever the machine's speed.
    let requestRestart: () => void = () => {};
    let serverDown: () => void = () => {};
    let requested = false;
    const down = new Promise<void>((r) => {
      serverDown = r;
    });
    const restart = new Promise<void>((r) => {
      requestRestart = () => {
        requested = true;
        r();
      };
    }).then(async () => {
      await mq.stopServer();
      const downAt = Date.now();
      serverDown();
      await mq.startServer();
      return { downAt, upAt: Date.now() };
    });
    const step = store.localStep(
      async (tx, half) => {
        const body = new TextDecoder().decode(half.message.body);
        await tx.query(`insert into ${table}_business (message_id, body) values ($1, $2)`, [
          half.messageId,
          body,
        ]);
        if (body === '19') {
          requestRestart();
          await down;
        }
        // Every third one rolls back, and its row with it.
        return Number(new TextDecoder().decode(half.message.body)) % 3 === 2
          ? TransactionState.Rollback
          : TransactionState.Commit;
      },
      // Step 19 stays open until the server is down, which can take longer than the store's 30 s
      // step deadline on a loaded machine; the deadline would then roll it back, by design.
      { timeoutMs: 300_000 },
    );
    try {
      const results: TransactionValue[] = await lastValueFrom(
        range(0, COUNT).pipe(
          // Paced, so that the stream flows through the stop and the start: from message 19's
          // step on the server goes down, and message 40 waits until it is back up.
          concatMap((i) =>
            i === 40
              ? from(restart).pipe(map(() => ({ topic, body: String(i) })))
              : of({ topic, body: String(i) }).pipe(delay(i === 0 ? 0 : 150)),
          ),
          transactional(broker, step, { concurrency: 4 }),
          toArray(),
        ),
      );
      const { downAt, upAt } = await restart;
      const rows = await committedRows(PG_URL, table);
      const window =
        mq.transaction.timeoutMs + (mq.transaction.checkMax + 2) * mq.transaction.checkIntervalMs;
      const all = await consumer.waitFor(
        (r) => rows.every((id) => r.some((m) => m.messageId === id)),
        window,
      );
      // Deliveries of the last checks may still be on their way; then nothing more may arrive.
      await new Promise((r) => setTimeout(r, 3 * mq.transaction.checkIntervalMs));

      const received = new Set(consumer.received.map((m) => m.messageId));
      // On failure, what happened to each missing one: how its own stream ended it, and what the
      // check-backs answered for it.
      const missing = rows
        .filter((id) => !received.has(id))
        .map((id) => {
          const r = results.find((v) => v._tag === 'Resolved' && v.local.half.messageId === id);
          const how = r?._tag === 'Resolved' ? `${r.fate}${r.cause ? ` (${r.cause._tag})` : ''}` : '?';
          const answers = answered.filter((a) => a.startsWith(`${id} `)).map((a) => a.split(' ')[1]);
          return `${id}: ${how}, checks answered [${answers.join(', ')}]`;
        });
      expect({ all, missing, restartSeconds: Math.round((upAt - downAt) / 1000) }).toMatchObject({
        all: true,
        missing: [],
      });
      expect([...received].filter((id) => !rows.includes(id))).toEqual([]);
      // The restart really happened mid-stream: some transactions ended before it, and some could
      // only be settled by a check-back after it.
      const resolved = results.filter((r) => r._tag === 'Resolved');
      expect(resolved.some((r) => r.fate === 'committed')).toBe(true);
      const held = resolved.find((r) => new TextDecoder().decode(r.local.half.message.body) === '19');
      expect(held?.fate).toBe('left-to-check-back');
      expect(rows).toContain(held?.local.half.messageId);
      expect(rows.length).toBeGreaterThan(COUNT / 3);
    } finally {
      answering.unsubscribe();
      if (requested) await restart.catch(() => {});
      await consumer.stop();
      await broker.close();
      await store.close();
      await dropTables(PG_URL, table);
    }
  });
});
