/**
 * The scenario suite on a real Apache RocketMQ 5, through the RocketMQ transport, with a
 * SimpleConsumer receiving what is delivered. test/unit/scenarios.virtual.test.ts runs the very
 * same scenarios on the virtual broker.
 */
import { describe, inject, it } from 'vitest';
import { rocketmqBroker } from '../../src/index.js';
import type { ReceivedMessage, ScenarioHarness } from '../scenarios/harness.js';
import { scenarios } from '../scenarios/scenarios.js';
import { startCollector } from '../support/rawClient.js';

const mq = inject('rocketmq');

// Each path has topics of its own: the proxy sends a topic's check-backs to any of its producers.
async function realHarness(index: number, hotPath: boolean): Promise<ScenarioHarness> {
  const topic = mq.topics[hotPath ? `scenario${index}` : `officialScenario${index}`] as string;
  const collector = await startCollector(mq.endpoints, topic, `g_${topic}`);
  const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic], hotPath });
  return {
    broker,
    topic,
    timing: {
      transactionTimeoutMs: mq.transaction.timeoutMs,
      checkIntervalMs: mq.transaction.checkIntervalMs,
      checkMax: mq.transaction.checkMax,
    },
    received: () =>
      collector.received.map(
        (r): ReceivedMessage => ({
          messageId: r.messageId,
          body: r.body,
          properties: Object.fromEntries(r.properties),
        }),
      ),
    async close() {
      await broker.close();
      await collector.stop();
    },
  };
}

describe.concurrent.each([
  { path: 'hot path', hotPath: true },
  { path: 'official path', hotPath: false },
])('scenarios on a real RocketMQ 5, $path', ({ hotPath }) => {
  scenarios.forEach((scenario, index) => {
    it(scenario.name, { timeout: 120_000 }, async () => {
      const h = await realHarness(index, hotPath);
      try {
        await scenario.run(h);
      } finally {
        await h.close();
      }
    });
  });
});
