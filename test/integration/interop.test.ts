/**
 * Messages sent by the hot path are what the official clients expect: the official Node client
 * and the official Java 5.x client (rocketmq-client-java 5.0.8, bench/java5/) each receive every
 * field intact — topic, tag, keys, properties, body and message id.
 */
import { firstValueFrom, from, lastValueFrom } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import { startJava5 } from '../../bench/java5/java5.js';
import { rocketmqBroker } from '../../src/index.js';
import { startCollector } from '../support/rawClient.js';

const mq = inject('rocketmq');

interface JavaReceived {
  readonly messageId: string;
  readonly topic: string;
  readonly tag: string | null;
  readonly keys: string[];
  readonly properties: Record<string, string>;
  readonly body: string; // base64
}

describe('interop', () => {
  it('delivers hot-path messages with every field intact to the official Node and Java 5.x consumers', {
    timeout: 180_000,
  }, async () => {
    const topic = mq.topics.interop as string;
    const sent = [
      { tag: 'TagA', keys: ['order-1'], properties: { orderId: '1', note: 'plain' }, body: 'first' },
      {
        tag: 'Tag_ü',
        keys: ['order-2', 'ключ'],
        properties: { orderId: '2', long: 'v'.repeat(500) },
        body: 'zweite Nachricht — ünïcödé ✓',
      },
      { keys: [], properties: {}, body: 'x'.repeat(10_000) },
    ];
    const java = await startJava5([
      'consume',
      mq.endpoints,
      topic,
      `g_java_${topic}`,
      String(sent.length),
      '90000',
    ]);
    const node = await startCollector(mq.endpoints, topic, `g_node_${topic}`);
    try {
      await java.waitFor((l) => l.includes('ready'), 90_000);
      const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic], hotPath: true });
      const ids: string[] = [];
      try {
        for (const m of sent) {
          const receipt = await firstValueFrom(
            from(broker.sendHalf({ topic, ...m, body: new TextEncoder().encode(m.body) })),
          );
          await lastValueFrom(
            from(broker.endTransaction({ topic, ...receipt, resolution: 'commit', source: 'client' })),
            { defaultValue: undefined },
          );
          ids.push(receipt.messageId);
        }
      } finally {
        await broker.close();
      }

      await java.waitFor((l) => l.includes('done'), 100_000);
      expect(await java.finished(10_000)).toBe(0);
      const byJava = new Map(
        java.lines
          .filter((l) => l.startsWith('{'))
          .map((l) => {
            const r = JSON.parse(l) as JavaReceived;
            return [r.messageId, r];
          }),
      );
      expect(await node.waitFor((r) => ids.every((id) => r.some((m) => m.messageId === id)), 30_000)).toBe(
        true,
      );

      sent.forEach((m, i) => {
        const id = ids[i] as string;
        const j = byJava.get(id);
        expect(j, `Java received ${id}`).toBeDefined();
        expect(j?.topic).toBe(topic);
        expect(j?.tag).toBe(m.tag ?? null);
        expect([...(j?.keys ?? [])].sort()).toEqual([...m.keys].sort());
        // The broker adds properties of its own (the transaction id, …); ours must all be there.
        expect(j?.properties).toMatchObject(m.properties);
        expect(Buffer.from(j?.body ?? '', 'base64').toString('utf8')).toBe(m.body);

        const n = node.received.find((r) => r.messageId === id);
        // The official Node client shows an absent tag as '' (Java: none, as sent).
        expect(n?.tag || undefined).toBe(m.tag);
        expect([...(n?.keys ?? [])].sort()).toEqual([...m.keys].sort());
        expect(Object.fromEntries(n?.properties ?? [])).toMatchObject(m.properties);
        expect(n?.body).toBe(m.body);
      });
      expect(byJava.size).toBe(sent.length);
    } finally {
      java.child.kill('SIGKILL');
      await java.finished(5_000);
      await node.stop();
    }
  });

  it("runs the benchmark's Java 5.x producer small: it commits every transaction it is asked to", {
    timeout: 120_000,
  }, async () => {
    const java = await startJava5([
      'produce',
      mq.endpoints,
      mq.topics.interopBench as string,
      '4',
      '40',
      'cold',
    ]);
    try {
      await java.waitFor((l) => l.some((x) => x.startsWith('{')), 100_000);
      expect(await java.finished(10_000)).toBe(0);
      const run = JSON.parse(java.lines.find((x) => x.startsWith('{')) as string);
      expect(run).toMatchObject({ side: 'java5', inFlight: 4, count: 40 });
      expect(run.rate).toBeGreaterThan(0);
    } finally {
      java.child.kill('SIGKILL');
      await java.finished(5_000);
    }
  });
});
