/**
 * Example 3 — a user property travels with the message. The local step answers `unknown`; the
 * check-back answers `commit`; the consumer receives the message with its property.
 *
 * Run it: `npx tsx examples/03-user-property.ts` with ROCKETMQ_ENDPOINTS (or ROCKETMQ_NAMESRV, to
 * go over remoting) and ROCKETMQ_TOPIC set.
 */

import { checkBacks, TransactionState, transactional } from 'rocketmq-rx';
import { from, lastValueFrom, map, mergeMap, take, timeout, toArray } from 'rxjs';
import type { Received } from './support/collect.js';
import { connectBroker, connectConsumer, type Target } from './support/connect.js';
import { brokerFromEnv } from './support/env.js';

export async function scenarioB(options: Target & { topic: string; waitMs: number }): Promise<Received> {
  const { topic } = options;
  const consumer = await connectConsumer(options, topic, `demo_${topic}`);
  const broker = await connectBroker(options, topic);
  try {
    // Answer the first check-back for our message with commit.
    const answered = lastValueFrom(
      checkBacks(broker).pipe(
        take(1),
        mergeMap((check) =>
          from(check.answer(TransactionState.Commit)).pipe(
            toArray(),
            map(() => check),
          ),
        ),
        timeout(options.waitMs),
      ),
    );
    const [result] = await lastValueFrom(
      from([{ topic, body: 'message body', properties: { property: 'test' } }]).pipe(
        transactional(broker, () => TransactionState.Unknown),
        toArray(),
      ),
    );
    if (result?._tag !== 'Resolved') throw new Error('the message was rejected');
    const check = await answered;
    if (check.messageId !== result.local.half.messageId)
      throw new Error('a check-back for another message arrived');
    const id = result.local.half.messageId;
    if (!(await consumer.waitFor((r) => r.some((m) => m.messageId === id), options.waitMs))) {
      throw new Error('the committed message never arrived');
    }
    return consumer.received.find((m) => m.messageId === id) as Received;
  } finally {
    await broker.close();
    await consumer.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = brokerFromEnv();
  const received = await scenarioB({ ...target, waitMs: 120_000 });
  console.log(
    `received ${received.messageId}: ${received.body}, property=${received.properties.get('property')}`,
  );
}
