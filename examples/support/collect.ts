/**
 * The consuming side of the examples: a SimpleConsumer of rocketmq-client-nodejs that drains a
 * topic into a list, so an example can show what was delivered and what never was.
 */
import { type MessageView, SimpleConsumer } from 'rocketmq-client-nodejs';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

export interface Received {
  readonly messageId: string;
  readonly body: string;
  readonly tag: string | undefined;
  readonly keys: readonly string[];
  readonly properties: ReadonlyMap<string, string>;
  readonly at: number;
}

/** A SimpleConsumer that drains its topic into `received` until stopped. */
export async function startCollector(endpoints: string, topic: string, group: string) {
  const consumer = new SimpleConsumer({
    endpoints,
    namespace: '',
    consumerGroup: group,
    subscriptions: new Map([[topic, '*']]),
    awaitDuration: 5000,
    logger: silent,
  });
  await consumer.startup();
  const received: Received[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      let views: MessageView[] = [];
      try {
        views = await consumer.receive(16, 10_000);
      } catch {
        // Long polling that finds nothing ends in an error on some brokers; just poll again.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const view of views) {
        received.push({
          messageId: view.messageId,
          body: view.body.toString('utf8'),
          tag: view.tag,
          keys: view.keys,
          properties: new Map(view.properties),
          at: Date.now(),
        });
        await consumer.ack(view).catch(() => {});
      }
    }
  })();
  return {
    received,
    async waitFor(predicate: (r: Received[]) => boolean, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    async stop() {
      running = false;
      await loop;
      await consumer.shutdown();
    },
  };
}
