/**
 * Consuming as an Observable on a real broker: acknowledged after the handler succeeds (never
 * delivered again), not acknowledged when it fails (delivered again), and no more than
 * `maxUnacked` messages in hand under a slow handler.
 */
import { from, lastValueFrom, NEVER, type Subscription, timer, toArray } from 'rxjs';
import { describe, expect, inject, it, vi } from 'vitest';
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
      await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(3), {
        timeout: 30_000,
        interval: 50,
      });
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
      await vi.waitFor(() => expect(seen.some((h) => h._tag === 'Acked')).toBe(true), {
        timeout: 60_000,
        interval: 50,
      });
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
      await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(16), {
        timeout: 60_000,
        interval: 50,
      });
      expect(maxInHand).toBeLessThanOrEqual(3);
      expect(maxInHand).toBeGreaterThan(1);
      expect(seen.map((h) => (h._tag === 'Acked' ? h.result : h._tag)).sort()).toEqual([...bodies].sort());
    } finally {
      sub.unsubscribe();
    }
  });

  it('extends the invisible duration while a slow handler runs: handled once, then acknowledged', {
    timeout: 90_000,
  }, async () => {
    const topic = mq.topics.receiveExtend as string;
    const seen: HandledMessage<string>[] = [];
    let calls = 0;
    const sub = receiveMessages({
      endpoints: mq.endpoints,
      topic,
      consumerGroup: `g_${topic}`,
      invisibleDurationMs: 10_000,
      longPollMs: 5_000,
      handle: async (m) => {
        calls++;
        // Longer than the invisible duration: without extensions the broker would hand the
        // message out again while this runs, and the ack would carry a stale receipt handle.
        await lastValueFrom(timer(14_000));
        return text(m.body);
      },
    }).subscribe((h) => seen.push(h));
    try {
      await publish(topic, ['slow']);
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 45_000, interval: 200 });
      await lastValueFrom(timer(2_000));
      expect(seen.map((h) => [h._tag, h.message.deliveryAttempt])).toEqual([['Acked', 1]]);
      expect(calls).toBe(1);
    } finally {
      sub.unsubscribe();
    }
  });

  it('gives a hung handler up after handlerTimeoutMs: its message is released and redelivered, its slot freed', {
    timeout: 90_000,
  }, async () => {
    const topic = mq.topics.receiveTimeout as string;
    const seen: HandledMessage<string>[] = [];
    const sub = receiveMessages({
      endpoints: mq.endpoints,
      topic,
      consumerGroup: `g_${topic}`,
      // Far longer than the test waits: only a release brings the message back in time.
      invisibleDurationMs: 120_000,
      longPollMs: 5_000,
      maxUnacked: 1, // the hung handler holds the only slot until it is given up
      handlerTimeoutMs: 3_000,
      handle: (m) => (m.deliveryAttempt === 1 ? NEVER : Promise.resolve(text(m.body))),
    }).subscribe((h) => seen.push(h));
    try {
      await publish(topic, ['hangs once']);
      await vi.waitFor(() => expect(seen.some((h) => h._tag === 'Acked')).toBe(true), {
        timeout: 45_000,
        interval: 200,
      });
      expect(seen.map((h) => [h._tag, h.message.deliveryAttempt])).toEqual([
        ['TimedOut', 1],
        ['Acked', 2],
      ]);
      expect(seen[0]?.message.messageId).toBe(seen[1]?.message.messageId);
    } finally {
      sub.unsubscribe();
    }
  });

  it('releases the messages in hand on unsubscribe: another consumer of the group gets them at once', {
    timeout: 90_000,
  }, async () => {
    const topic = mq.topics.receiveRelease as string;
    const started: string[] = [];
    const options = {
      endpoints: mq.endpoints,
      topic,
      consumerGroup: `g_${topic}`,
      invisibleDurationMs: 120_000, // far longer than the test waits
      longPollMs: 5_000,
    };
    const first = receiveMessages({
      ...options,
      handle: (m) => {
        started.push(m.messageId);
        return NEVER;
      },
    }).subscribe();
    await publish(topic, ['released']);
    await vi.waitFor(() => expect(started).toHaveLength(1), { timeout: 45_000, interval: 200 });
    first.unsubscribe();

    const seen: HandledMessage<string>[] = [];
    const second = receiveMessages({ ...options, handle: (m) => Promise.resolve(text(m.body)) }).subscribe(
      (h) => seen.push(h),
    );
    try {
      await vi.waitFor(() => expect(seen).toHaveLength(1), { timeout: 45_000, interval: 200 });
      expect(seen.map((h) => [h._tag, h.message.messageId])).toEqual([['Acked', started[0]]]);
      // 2, or 3 when the first consumer's last long poll took it once more (and released it too).
      expect(seen[0]?.message.deliveryAttempt).toBeGreaterThan(1);
    } finally {
      second.unsubscribe();
    }
  });
});
