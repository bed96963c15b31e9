/**
 * A minimal consumer over remoting: every readable queue of a topic pulled in a long-poll loop,
 * as an Observable. Enough for tests, examples and checking what was delivered; it does not
 * commit offsets, rebalance or redeliver (a production consumer over remoting is out of scope).
 */
import { Observable } from 'rxjs';
import { ValidationError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/Logger.js';
import { isReservedProperty, validateTopic } from '../core/validateMessage.js';
import { RequestCode, ResponseCode } from './codes.js';
import { decodeMessages, messageBody } from './decodeMessages.js';
import { NameServerClient } from './NameServerClient.js';
import { RemotingConnection } from './RemotingConnection.js';
import type { RemotingCredentials } from './signRequest.js';
import { type MessageQueue, readableQueues } from './topicRoute.js';

/** Options of `pullMessages`. */
export interface PullMessagesOptions {
  readonly nameServer: string;
  readonly topic: string;
  /** The consumer group the broker tracks offsets under. Default `rx_pull_<topic>`. */
  readonly consumerGroup?: string;
  /** Where to start: the first message kept (`'first'`, default) or what arrives from now on (`'now'`). */
  readonly from?: 'first' | 'now';
  readonly credentials?: RemotingCredentials;
  /** How long the broker holds an empty pull, ms. Default 2 000. */
  readonly longPollMs?: number;
  /** Maps the address a broker advertises to the one to dial (e.g. behind NAT). Default: as advertised. */
  readonly brokerAddress?: (advertised: string) => string;
  readonly logger?: Logger;
}

/** A message `pullMessages` emits. */
export interface PulledMessage {
  /** The producer's message id (UNIQ_KEY): the key to deduplicate by. */
  readonly messageId: string;
  readonly topic: string;
  readonly body: Buffer;
  readonly tag?: string;
  readonly keys: readonly string[];
  /** User properties (the broker's own are left out). */
  readonly properties: Readonly<Record<string, string>>;
  readonly queueId: number;
  readonly queueOffset: string;
  readonly bornAt: number;
}

/**
 * Messages of `topic` as they are stored, duplicates included. Unsubscribing stops every pull
 * and closes every connection. A failure to route or connect errors the stream; a message whose
 * body cannot be decoded is logged and skipped, never the end of the stream.
 */
export function pullMessages(options: PullMessagesOptions): Observable<PulledMessage> {
  const issues = validateTopic(options.topic).map((i) => ({ path: ['topic'], message: i.message }));
  if (issues.length > 0) throw new ValidationError('pullMessages options', issues);
  const logger = options.logger ?? silentLogger;
  const group = options.consumerGroup ?? `rx_pull_${options.topic}`.slice(0, 255);
  const longPollMs = options.longPollMs ?? 2_000;
  return new Observable<PulledMessage>((subscriber) => {
    let stopped = false;
    const connections = new Map<string, Promise<RemotingConnection>>();
    const names = new NameServerClient(options.nameServer, {
      requestTimeoutMs: 3_000,
      credentials: options.credentials,
      logger,
    });
    const connectionTo = (address: string) => {
      let c = connections.get(address);
      if (!c) {
        c = RemotingConnection.open(
          address,
          {
            requestTimeoutMs: longPollMs + 10_000,
            maxInFlight: 256,
            credentials: options.credentials,
            logger,
            onClose: () => connections.delete(address),
          },
          3_000,
        );
        connections.set(address, c);
        c.catch(() => connections.delete(address));
      }
      return c;
    };

    const startOffset = async (queue: MessageQueue): Promise<string> => {
      if (options.from !== 'now') return '0';
      const c = await connectionTo(queue.address);
      const r = await c.request(RequestCode.GetMaxOffset, {
        topic: queue.topic,
        queueId: String(queue.queueId),
      });
      return r.extFields.offset ?? '0';
    };

    const pullLoop = async (queue: MessageQueue) => {
      let offset = await startOffset(queue);
      while (!stopped) {
        let response: Awaited<ReturnType<RemotingConnection['request']>>;
        try {
          const c = await connectionTo(queue.address);
          response = await c.request(RequestCode.PullMessage, {
            consumerGroup: group,
            topic: queue.topic,
            queueId: String(queue.queueId),
            queueOffset: offset,
            maxMsgNums: '32',
            // Suspend (long poll) with the subscription in the request: no consumer registration.
            sysFlag: String(2 | 4),
            commitOffset: '0',
            suspendTimeoutMillis: String(longPollMs),
            subscription: '*',
            subVersion: '0',
            expressionType: 'TAG',
          });
        } catch (error) {
          if (stopped) return;
          logger.warn('pull failed, retrying', { error: String(error) });
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (stopped) return;
        const next = response.extFields.nextBeginOffset;
        if (response.code === ResponseCode.Success && response.body) {
          for (const stored of decodeMessages(response.body)) {
            let body: Buffer;
            try {
              body = messageBody(stored);
            } catch (error) {
              logger.warn('pulled message skipped: body does not decode', { error: String(error) });
              continue;
            }
            const p = stored.properties;
            const properties: Record<string, string> = {};
            for (const [k, v] of Object.entries(p)) if (!isReservedProperty(k)) properties[k] = v;
            subscriber.next({
              messageId: p.UNIQ_KEY ?? '',
              topic: stored.topic,
              body,
              ...(p.TAGS === undefined ? {} : { tag: p.TAGS }),
              keys: p.KEYS ? p.KEYS.split(' ').filter((k) => k !== '') : [],
              properties,
              queueId: stored.queueId,
              queueOffset: stored.queueOffset,
              bornAt: stored.bornTimestamp,
            });
          }
        }
        if (next !== undefined) offset = next;
        else if (response.code !== ResponseCode.PullNotFound) await new Promise((r) => setTimeout(r, 200));
      }
    };

    names
      .route(options.topic)
      .then((route) => {
        const queues = readableQueues(options.topic, route, options.brokerAddress ?? ((a) => a));
        return Promise.all(queues.map(pullLoop));
      })
      .catch((error: unknown) => {
        if (!stopped) subscriber.error(error);
      });

    return () => {
      stopped = true;
      names.close();
      for (const c of connections.values()) {
        c.then(
          (x) => x.close(),
          () => {},
        );
      }
      connections.clear();
    };
  });
}
