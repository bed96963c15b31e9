/** What the hot path takes from the started official producer: its identity and the routes. */

import { type HotPath, hotPath } from './hotPath.js';
import type { RocketMQBrokerOptions } from './RocketMQBrokerOptions.js';
import type { ClientModule, Producer } from './rocketmqClient.js';

const PERMISSION_NONE = 1;
const PERMISSION_READ = 2;

interface RouteQueue {
  readonly queueId: number;
  readonly permission: number;
  readonly acceptMessageTypesList: number[];
}

export async function startHotPath(
  producer: Producer,
  options: RocketMQBrokerOptions,
  topics: readonly string[],
  requestTimeoutMs: number,
  { UserAgent, MessageType }: ClientModule,
): Promise<HotPath> {
  const routes = producer as unknown as {
    getRouteData(topic: string): Promise<{ messageQueues: RouteQueue[] }>;
  };
  const queues = new Map<string, number[]>();
  for (const topic of topics) {
    // Already fetched (and cached by the client) when the topics were verified.
    const route = await routes.getRouteData(topic);
    queues.set(
      topic,
      route.messageQueues
        .filter(
          (q) =>
            q.permission !== PERMISSION_NONE &&
            q.permission !== PERMISSION_READ &&
            q.acceptMessageTypesList.includes(MessageType.TRANSACTION),
        )
        .map((q) => q.queueId),
    );
  }
  return hotPath({
    endpoints: options.endpoints,
    tls: options.sslEnabled === true,
    requestTimeoutMs,
    namespace: options.namespace ?? '',
    ...(options.credentials ? { credentials: options.credentials } : {}),
    clientId: producer.clientId,
    clientVersion: UserAgent.INSTANCE.version,
    bornHost: UserAgent.INSTANCE.hostname,
    queues,
  });
}
