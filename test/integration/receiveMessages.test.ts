/**
 * Consuming as an Observable on a real broker: acknowledged after the handler succeeds (never
 * delivered again), not acknowledged when it fails (delivered again), and no more than
 * `maxUnacked` messages in hand under a slow handler.
 */
import { from, lastValueFrom, type Subscription, timer, toArray } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import {
  type HandledMessage,
  receiveMessages,
  rocketmqBroker,
  TransactionState,
  transactional,
} from '../../src/index.js';

const mq = inject('rocketmq');
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function publish(topic: string, bodies: readonly string[]) {
  const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic] });
  try {
    const results = await lastValueFrom(
      from(bodies.map((body) => ({ topic, body }))).pipe(
        transactional(broker, () => TransactionState.Commit),
        toArray(),
      ),
    );
    expect(results.every((r) => r._tag === 'Resolved' && r.fate === 'committed')).toBe(true);
  } finally {
    await broker.close();
  }
}

async function waitUntil(predicate: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return predicate();
}

describe.concurrent('receiveMessages on a real RocketMQ 5', () => {
  it('acknowledges a message after its handler succeeded: it is never delivered again', {
    timeout: 90_000,
  }, async () => {
    const topic = mq.topics.receiveAck as string;
    const seen: HandledMessage<string>[] = [];
    const sub: Subscription = receiveMessages({
      endpoints: mq.endpoints,
      topic,
      consumerGroup: `g_${topic}`,
      invisibleDurationMs: 10_000,
      longPollMs: 5_000,
      handle: (m) => Promise.resolve(text(m.body)),
    }).subscribe((h) => seen.push(h));
    try {
      await publish(topic, ['one', 'two', 'three']);
      expect(await waitUntil(() => seen.length >= 3, 30_000)).toBe(true);
      // Past the invisible duration: an unacknowledged message would be back by now.
      await new Promise((r) => setTimeout(r, 14_000));
      expect(seen.map((h) => [h._tag, h._tag === 'Acked' ? h.result : undefined]).sort()).toEqual([
        ['Acked', 'one'],
        ['Acked', 'three'],
        ['Acked', 'two'],
      ]);
    } finally {
      sub.unsubscribe();
    }
  });

  it('does not acknowledge a message whose handler failed: the broker delivers it again', {
    timeout: 90_000,
  }, async () => {
    const topic = mq.topics.receiveRedeliver as string;
    const seen: HandledMessage<string>[] = [];
    let attempts = 0;
    const sub = receiveMessages({
      endpoints: mq.endpoints,
      topic,
      consumerGroup: `g_${topic}`,
      invisibleDurationMs: 10_000,
      longPollMs: 5_000,
      handle: (m) => {
        attempts++;
        return attempts === 1 ? Promise.reject(new Error('database busy')) : Promise.resolve(text(m.body));
      },
    }).subscribe((h) => seen.push(h));
    try {
      await publish(topic, ['retry me']);
      expect(await waitUntil(() => seen.some((h) => h._tag === 'Acked'), 60_000)).toBe(true);
      expect(seen.map((h) => [h._tag, h.message.deliveryAttempt])).toEqual([
        ['Failed', 1],
        ['Acked', 2],
      ]);
      expect((seen[0] as { error: Error }).error.message).toBe('database busy');
      expect(seen[0]?.message.messageId).toBe(seen[1]?.message.messageId);
    } finally {
      sub.unsubscribe();
    }
  });

  it('holds at most maxUnacked messages under a slow handler, and handles every one', {
    timeout: 90_000,
  }, async () => {
    const topic = mq.topics.receiveBounded as string;
    const bodies = Array.from({ length: 16 }, (_, i) => `m${i}`);
    await publish(topic, bodies);
    let inHand = 0;
    let maxInHand = 0;
    const seen: HandledMessage<string>[] = [];
    const sub = receiveMessages({
      endpoints: mq.endpoints,
      topic,
      consumerGroup: `g_${topic}`,
      maxUnacked: 3,
      longPollMs: 5_000,
      handle: async (m) => {
        inHand++;
        maxInHand = Math.max(maxInHand, inHand);
        await lastValueFrom(timer(300));
        inHand--;
        return text(m.body);
      },
    }).subscribe((h) => seen.push(h));
    try {
      expect(await waitUntil(() => seen.length >= 16, 60_000)).toBe(true);
      expect(maxInHand).toBeLessThanOrEqual(3);
      expect(maxInHand).toBeGreaterThan(1);
      expect(seen.map((h) => (h._tag === 'Acked' ? h.result : h._tag)).sort()).toEqual([...bodies].sort());
    } finally {
      sub.unsubscribe();
    }
  });
});
