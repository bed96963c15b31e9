/**
 * The scenario suite on a real Apache RocketMQ 5 over the remoting protocol: the producer talks
 * to the name server and the broker directly, and a remoting pull consumer records what is
 * delivered. The very same scenarios run on the virtual broker and over gRPC.
 */
import { describe, inject, it } from 'vitest';
import { type PulledMessage, pullMessages, remotingBroker } from '../../src/index.js';
import type { ReceivedMessage, ScenarioHarness } from '../scenarios/harness.js';
import { scenarios } from '../scenarios/scenarios.js';

const mq = inject('rocketmq');

async function remotingHarness(index: number): Promise<ScenarioHarness> {
  const topic = mq.topics[`remotingScenario${index}`] as string;
  const received: PulledMessage[] = [];
  const consumer = pullMessages({ nameServer: mq.namesrv, topic }).subscribe((m) => received.push(m));
  const broker = await remotingBroker({
    nameServer: mq.namesrv,
    producerGroup: `pg_${topic}`,
    topics: [topic],
  });
  return {
    broker,
    topic,
    timing: {
      transactionTimeoutMs: mq.transaction.timeoutMs,
      checkIntervalMs: mq.transaction.checkIntervalMs,
      checkMax: mq.transaction.checkMax,
    },
    received: () =>
      received.map(
        (m): ReceivedMessage => ({
          messageId: m.messageId,
          body: m.body.toString('utf8'),
          properties: m.properties,
        }),
      ),
    async close() {
      await broker.close();
      consumer.unsubscribe();
    },
  };
}

describe.concurrent('scenarios on a real RocketMQ 5 over remoting', () => {
  scenarios.forEach((scenario, index) => {
    it(scenario.name, { timeout: 120_000 }, async () => {
      const h = await remotingHarness(index);
      try {
        await scenario.run(h);
      } finally {
        await h.close();
      }
    });
  });
});
