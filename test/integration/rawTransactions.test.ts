/**
 * What a real Apache RocketMQ 5 does with transactional messages, through the official client
 * alone: the ground truth the library and its virtual broker are held to.
 */
import type { MessageView } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Resolution, startCollector, startTransactionalProducer } from '../support/rawClient.ts';

const mq = inject('rocketmq');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Long enough for the broker to check at least twice after the transaction timeout. */
const settleMs = mq.transaction.timeoutMs + 3 * mq.transaction.checkIntervalMs + 1500;

describe('a real RocketMQ 5 broker', () => {
  it('delivers a committed transactional message to a consumer', async () => {
    const topic = mq.topics.rawCommit as string;
    const checks: string[] = [];
    const collector = await startCollector(mq.endpoints, topic, `g_${topic}`);
    cleanups.push(() => collector.stop());
    const producer = await startTransactionalProducer(mq.endpoints, [topic], async (v) => {
      checks.push(v.messageId);
      return Resolution.COMMIT;
    });
    cleanups.push(() => producer.shutdown());

    const tx = producer.beginTransaction();
    const receipt = await producer.send({ topic, tag: 'TagA', body: Buffer.from('committed') }, tx);
    await tx.commit();

    expect(await collector.waitFor((r) => r.length > 0, 20_000)).toBe(true);
    expect(collector.received.map((r) => [r.messageId, r.body, r.tag])).toEqual([
      [receipt.messageId, 'committed', 'TagA'],
    ]);
    // A commit that reached the broker leaves nothing to check.
    expect(checks).toEqual([]);
  });

  it('never delivers a rolled-back message, even after several check intervals', async () => {
    const topic = mq.topics.rawRollback as string;
    const checks: string[] = [];
    const collector = await startCollector(mq.endpoints, topic, `g_${topic}`);
    cleanups.push(() => collector.stop());
    const producer = await startTransactionalProducer(mq.endpoints, [topic], async (v) => {
      checks.push(v.messageId);
      return Resolution.COMMIT; // would deliver it, if the broker ever asked
    });
    cleanups.push(() => producer.shutdown());

    const rolledBack = producer.beginTransaction();
    const dropped = await producer.send({ topic, body: Buffer.from('rolled back') }, rolledBack);
    await rolledBack.rollback();
    // A committed marker sent after it proves the consumer was live the whole time.
    const marker = producer.beginTransaction();
    const kept = await producer.send({ topic, body: Buffer.from('marker') }, marker);
    await marker.commit();

    await new Promise((r) => setTimeout(r, settleMs));
    expect(collector.received.map((r) => r.messageId)).toEqual([kept.messageId]);
    expect(collector.received.some((r) => r.messageId === dropped.messageId)).toBe(false);
    expect(checks).toEqual([]);
  });

  it('checks back an unresolved half and delivers it according to the checker', async () => {
    const topic = mq.topics.rawCheckCommit as string;
    const checks: Array<{ id: string; at: number }> = [];
    const collector = await startCollector(mq.endpoints, topic, `g_${topic}`);
    cleanups.push(() => collector.stop());
    const producer = await startTransactionalProducer(mq.endpoints, [topic], async (v: MessageView) => {
      checks.push({ id: v.messageId, at: Date.now() });
      return v.properties.get('decision') === 'commit' ? Resolution.COMMIT : Resolution.ROLLBACK;
    });
    cleanups.push(() => producer.shutdown());

    const sentAt = Date.now();
    const toCommit = await producer.send(
      { topic, body: Buffer.from('check says commit'), properties: new Map([['decision', 'commit']]) },
      producer.beginTransaction(),
    );
    const toRollback = await producer.send(
      { topic, body: Buffer.from('check says rollback'), properties: new Map([['decision', 'rollback']]) },
      producer.beginTransaction(),
    );
    // Neither transaction is ended: only the check-back can decide them.

    expect(await collector.waitFor((r) => r.length > 0, 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, settleMs));

    expect(collector.received.map((r) => [r.messageId, r.body])).toEqual([
      [toCommit.messageId, 'check says commit'],
    ]);
    const checkedIds = new Set(checks.map((c) => c.id));
    expect(checkedIds).toEqual(new Set([toCommit.messageId, toRollback.messageId]));
    // The first check waits for the transaction timeout.
    const firstCheck = Math.min(...checks.map((c) => c.at));
    expect(firstCheck - sentAt).toBeGreaterThanOrEqual(mq.transaction.timeoutMs - 500);
  });
});
