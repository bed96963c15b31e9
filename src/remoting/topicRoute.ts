/**
 * A topic's route as a name server gives it, and where a producer may write. Old name servers
 * write broker ids as bare numeric object keys (not JSON); we accept both.
 */
import { ProtocolError } from '../core/errors.js';

export interface TopicRoute {
  readonly queueDatas: ReadonlyArray<{
    readonly brokerName: string;
    readonly readQueueNums: number;
    readonly writeQueueNums: number;
    readonly perm: number;
  }>;
  readonly brokerDatas: ReadonlyArray<{
    readonly brokerName: string;
    readonly brokerAddrs: Readonly<Record<string, string>>;
  }>;
}

/** One queue a message can be written to, or read from. */
export interface MessageQueue {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
  /** The master's address (broker id 0). */
  readonly address: string;
}

const PERM_WRITE = 2;
const PERM_READ = 4;

export function parseRoute(body: Buffer | undefined): TopicRoute {
  const text = body?.toString('utf8') ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    try {
      parsed = JSON.parse(text.replace(/([{,])\s*(-?\d+)\s*:/g, '$1"$2":'));
    } catch (error) {
      throw new ProtocolError('The name server answered a route that does not parse', { cause: error });
    }
  }
  const route = parsed as Partial<TopicRoute> | null;
  if (!route || !Array.isArray(route.queueDatas) || !Array.isArray(route.brokerDatas)) {
    throw new ProtocolError('The name server answered a route without queueDatas or brokerDatas');
  }
  return route as TopicRoute;
}

/** Queues on masters with write permission, as the Java producer derives them. */
export function writableQueues(
  topic: string,
  route: TopicRoute,
  mapAddress: (a: string) => string,
): MessageQueue[] {
  return queuesOf(topic, route, PERM_WRITE, 'writeQueueNums', mapAddress);
}

export function readableQueues(
  topic: string,
  route: TopicRoute,
  mapAddress: (a: string) => string,
): MessageQueue[] {
  return queuesOf(topic, route, PERM_READ, 'readQueueNums', mapAddress);
}

function queuesOf(
  topic: string,
  route: TopicRoute,
  perm: number,
  count: 'writeQueueNums' | 'readQueueNums',
  mapAddress: (a: string) => string,
): MessageQueue[] {
  const queues: MessageQueue[] = [];
  for (const q of route.queueDatas) {
    if ((q.perm & perm) === 0) continue;
    const master = route.brokerDatas.find((b) => b.brokerName === q.brokerName)?.brokerAddrs?.['0'];
    if (!master) continue;
    const address = mapAddress(master);
    for (let queueId = 0; queueId < q[count]; queueId++) {
      queues.push({ topic, brokerName: q.brokerName, queueId, address });
    }
  }
  return queues;
}
