/**
 * The scenario suite on the virtual broker (async scheduler, real time, fast check settings).
 * test/integration/scenarios.real.test.ts runs the very same scenarios on a real RocketMQ.
 */
import { describe, it } from 'vitest';
import { virtualBroker } from '../../src/testing/index.js';
import type { ReceivedMessage, ScenarioHarness } from '../scenarios/harness.js';
import { scenarios } from '../scenarios/scenarios.js';

const timing = { transactionTimeoutMs: 300, checkIntervalMs: 100, checkMax: 3 };
const decoder = new TextDecoder();

function virtualHarness(name: string): ScenarioHarness {
  const broker = virtualBroker(timing);
  const received: ReceivedMessage[] = [];
  const sub = broker.delivered$.subscribe((d) =>
    received.push({
      messageId: d.messageId,
      body: decoder.decode(d.message.body),
      properties: d.message.properties,
    }),
  );
  return {
    broker,
    topic: `Scenario_${name.replace(/[^a-zA-Z0-9]/g, '_').slice(0, 60)}`,
    timing,
    received: () => received,
    async close() {
      sub.unsubscribe();
      broker.close();
    },
  };
}

describe('scenarios on the virtual broker', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const h = virtualHarness(scenario.name);
      try {
        await scenario.run(h);
      } finally {
        await h.close();
      }
    });
  }
});
