/**
 * Where a producer writes each declared topic: the writable queues on masters, taken in turn,
 * and each broker name's master — kept up to date from the name servers. A refresh that fails
 * keeps the routes known so far.
 */
import { TopicNotFoundError } from '../core/errors.js';
import type { NameServerClient } from './NameServerClient.js';
import { type MessageQueue, writableQueues } from './topicRoute.js';

export class PublishRoutes {
  private readonly routes = new Map<string, { queues: MessageQueue[]; next: number }>();
  private readonly masters = new Map<string, string>(); // brokerName → address

  constructor(
    private readonly topics: readonly string[],
    private readonly names: NameServerClient,
    private readonly mapAddress: (advertised: string) => string,
    /** Told of every master in the routes, so it is connected to and registered with. */
    private readonly onMaster: (address: string) => void,
  ) {}

  /** Looks every topic up again; TopicNotFoundError when one has no writable queue on a master. */
  async refresh(): Promise<void> {
    for (const topic of this.topics) {
      const queues = writableQueues(topic, await this.names.route(topic), this.mapAddress);
      if (queues.length === 0) {
        throw new TopicNotFoundError(`Topic ${topic} has no writable queue on a master broker`, {
          context: { topic },
        });
      }
      for (const q of queues) {
        this.masters.set(q.brokerName, q.address);
        this.onMaster(q.address);
      }
      const previous = this.routes.get(topic);
      this.routes.set(topic, { queues, next: previous?.next ?? Math.floor(Math.random() * queues.length) });
    }
  }

  /** The next queue of `topic`, round robin; undefined for a topic not routed. */
  nextQueue(topic: string): MessageQueue | undefined {
    const route = this.routes.get(topic);
    return route ? route.queues[route.next++ % route.queues.length] : undefined;
  }

  masterOf(brokerName: string): string | undefined {
    return this.masters.get(brokerName);
  }
}
