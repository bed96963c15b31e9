/**
 * The transport's AbortSignal and `Symbol.asyncDispose` on a real broker: a start aborted while
 * it waits rejects with AbortedError at once and leaves nothing running; `await using` closes the
 * producer.
 */
import { createServer, type Socket } from 'node:net';
import { firstValueFrom, from } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import { AbortedError, ClosedError, type RocketMQBroker, rocketmqBroker } from '../../src/index.js';

const mq = inject('rocketmq');

describe('rocketmqBroker with an AbortSignal', () => {
  it('rejects a start aborted while it waits for an endpoint that never answers, well before its deadline', async () => {
    // Accepts connections and never answers: the start would wait for its whole deadline.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const controller = new AbortController();
      const started = Date.now();
      const starting = rocketmqBroker({
        endpoints: `127.0.0.1:${port}`,
        topics: ['Any'],
        startupTimeoutMs: 30_000,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error('shutting down')), 500);
      const error = await starting.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortedError);
      expect(((error as AbortedError).cause as Error).message).toBe('shutting down');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('rocketmqBroker and `await using`', () => {
  it('closes the producer at the end of the block; disposing again never throws', async () => {
    const topic = mq.topics.transport as string;
    let outside: RocketMQBroker | undefined;
    {
      await using broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic] });
      const receipt = await firstValueFrom(
        from(
          broker.sendHalf({ topic, body: new TextEncoder().encode('disposed'), keys: [], properties: {} }),
        ),
      );
      expect(receipt.messageId).not.toBe('');
      await firstValueFrom(
        from(
          broker.endTransaction({
            topic,
            messageId: receipt.messageId,
            transactionId: receipt.transactionId,
            resolution: 'rollback',
            source: 'client',
          }),
        ),
      );
      outside = broker;
    }
    const broker = outside as RocketMQBroker;
    await expect(
      firstValueFrom(from(broker.sendHalf({ topic, body: new Uint8Array(1), keys: [], properties: {} }))),
    ).rejects.toBeInstanceOf(ClosedError);
    await expect(broker[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });
});
