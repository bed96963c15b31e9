/**
 * The broker and consumer an example uses: over the gRPC proxy (`endpoints`), or over remoting
 * through a name server (`nameServer`) — the same example, unchanged, on either.
 */
import { type BrokerPort, pullMessages, remotingBroker, rocketmqBroker } from 'rocketmq-rx';
import { type Received, startCollector } from './collect.js';

export interface Target {
  /** The gRPC proxy, `host:port`. */
  readonly endpoints?: string;
  /** Name servers, `host:port[;host:port]`: when set, the remoting transport is used. */
  readonly nameServer?: string;
}

export interface Collector {
  readonly received: Received[];
  waitFor(predicate: (r: Received[]) => boolean, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export async function connectBroker(
  target: Target,
  topic: string,
): Promise<BrokerPort & { close(): Promise<void> }> {
  return target.nameServer
    ? remotingBroker({ nameServer: target.nameServer, producerGroup: `pg_${topic}`, topics: [topic] })
    : rocketmqBroker({ endpoints: target.endpoints ?? '', topics: [topic] });
}

export async function connectConsumer(target: Target, topic: string, group: string): Promise<Collector> {
  if (!target.nameServer) return startCollector(target.endpoints ?? '', topic, group);
  const received: Received[] = [];
  const subscription = pullMessages({ nameServer: target.nameServer, topic, consumerGroup: group }).subscribe(
    (m) =>
      received.push({
        messageId: m.messageId,
        body: m.body.toString('utf8'),
        tag: m.tag,
        keys: m.keys,
        properties: new Map(Object.entries(m.properties)),
        at: Date.now(),
      }),
  );
  return {
    received,
    async waitFor(predicate, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    async stop() {
      subscription.unsubscribe();
    },
  };
}
