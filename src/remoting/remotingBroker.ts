/**
 * The broker port over RocketMQ's classic remoting protocol: name servers and brokers directly,
 * as every 4.x cluster and every 5.x cluster without the proxy runs. Built on Node's `net`,
 * `crypto` and `zlib` alone.
 */
import { hostname } from 'node:os';
import { Observable } from 'rxjs';
import type { BrokerPort, EndTransactionRequest, HalfReceipt } from '../core/BrokerPort.js';
import {
  ClosedError,
  type ErrorContext,
  type RocketMQRxError,
  StartupError,
  TransactionNotFoundError,
  UndeclaredTopicError,
} from '../core/errors.js';
import { evictOldest } from '../core/internal/evictOldest.js';
import { silentLogger } from '../core/Logger.js';
import type { ValidMessage } from '../core/TransactionalMessage.js';
import { BrokerConnections } from './BrokerConnections.js';
import { CheckBackHandler } from './CheckBackHandler.js';
import { RequestCode, ResponseCode, TransactionType } from './codes.js';
import { commitLogOffsetOf, halfRequest } from './halfMessage.js';
import { NameServerClient } from './NameServerClient.js';
import { PublishRoutes } from './PublishRoutes.js';
import { checkRemotingOptions, type RemotingBrokerOptions } from './RemotingBrokerOptions.js';
import type { RemotingCommand } from './RemotingCommand.js';
import type { RemotingConnection } from './RemotingConnection.js';
import { responseError } from './responseError.js';
import { type EndCallRequest, sendEndTransaction } from './sendEndTransaction.js';
import { uniqueMessageId } from './uniqueMessageId.js';

export { EndCall, type RemotingBrokerOptions } from './RemotingBrokerOptions.js';

/** The broker port over remoting, plus `close()`. */
export interface RemotingBroker extends BrokerPort {
  readonly topics: readonly string[];
  readonly producerGroup: string;
  /**
   * Stops sending and answering, waits for work under way up to `drainTimeoutMs`, unregisters
   * from every broker, completes `checkBacks`, and releases every timer and socket — also when
   * the brokers are down. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}

/** Where a sent half lives: END names it by these offsets, not by its id. */
interface Sent {
  readonly topic: string;
  readonly brokerName: string;
  readonly address: string;
  readonly queueOffset: string;
  readonly commitLogOffset: string;
  readonly at: number;
}

const ENDED: Promise<void> = Promise.resolve();

/**
 * Looks up every declared topic's route, connects to every master and registers the producer
 * group there — so check-backs reach this instance, for its predecessors' halves too — before
 * it resolves. Fails within `startupTimeoutMs` with a `StartupError` whose `cause` is typed
 * (`BrokerUnavailableError`, `TopicNotFoundError`, `UnauthorizedError`, …), leaving nothing open.
 *
 * @example
 * ```ts
 * const broker = await remotingBroker({ nameServer: '127.0.0.1:9876', producerGroup: 'orders', topics: ['Orders'] });
 * ```
 */
export async function remotingBroker(options: RemotingBrokerOptions): Promise<RemotingBroker> {
  checkRemotingOptions(options);
  const logger = options.logger ?? silentLogger;
  const requestTimeoutMs = options.requestTimeoutMs ?? 3_000;
  const startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
  const answerTimeoutMs = options.checkAnswerTimeoutMs ?? 10_000;
  const maxPendingChecks = options.maxPendingChecks ?? 1_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const oneway = options.endCall === 'oneway';
  const mapAddress = options.brokerAddress ?? ((a: string) => a);
  const group = options.producerGroup;
  const topics = [...new Set(options.topics)];
  const declared = new Set(topics);
  const clientId = `${hostname()}@${process.pid}#${uniqueMessageId().slice(-12)}`;

  const sent = new Map<string, Sent>();
  const ended = new Map<string, Promise<void>>();
  let closing = false;
  let closed: Promise<void> | undefined;
  let underWay = 0;
  let drained: (() => void) | undefined;
  const track = <T>(promise: Promise<T>): Promise<T> => {
    underWay++;
    const finished = () => {
      if (--underWay === 0) drained?.();
    };
    promise.then(finished, finished);
    return promise;
  };

  const checkBacks = new CheckBackHandler({
    producerGroup: group,
    maxPendingChecks,
    answerTimeoutMs,
    logger,
    isClosing: () => closing,
    track,
  });
  const end = (
    connection: RemotingConnection,
    context: ErrorContext,
    call: Omit<EndCallRequest, 'producerGroup'>,
  ) => sendEndTransaction(connection, context, { ...call, producerGroup: group });

  const names = new NameServerClient(options.nameServer, {
    requestTimeoutMs,
    credentials: options.credentials,
    logger,
  });
  const brokers = new BrokerConnections({
    clientId,
    producerGroup: group,
    requestTimeoutMs,
    maxInFlight: options.maxInFlight ?? 1_024,
    credentials: options.credentials,
    logger,
    onRequest: (command, connection) => onRequest(command, connection),
  });

  const routes = new PublishRoutes(topics, names, mapAddress, (address) => brokers.wanted.add(address));
  const refreshRoutes = () => routes.refresh();

  const onRequest = (command: RemotingCommand, connection: RemotingConnection) => {
    if (command.code === RequestCode.CheckTransactionState) {
      checkBacks.onCheck(command, connection);
      return;
    }
    // Unknown two-way requests (admin calls) are refused rather than left to time out.
    if ((command.flag & 2) === 0) {
      connection.respond(
        command,
        ResponseCode.RequestCodeNotSupported,
        `request type ${command.code} not supported`,
      );
    }
  };

  const fail = (error: unknown): RocketMQRxError => {
    const cause = error as RocketMQRxError;
    return new StartupError(
      `Could not start the remoting producer on ${options.nameServer}: ${cause?.message ?? String(error)}`,
      { cause, retryable: cause?.retryable ?? false },
    );
  };
  let startTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await refreshRoutes();
        await brokers.heartbeatAll();
      })(),
      new Promise<never>((_, reject) => {
        startTimer = setTimeout(
          () =>
            reject(
              new StartupError(
                `No route and registration on ${options.nameServer} within ${startupTimeoutMs} ms`,
                {
                  retryable: true,
                },
              ),
            ),
          startupTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    brokers.close();
    names.close();
    throw error instanceof StartupError ? error : fail(error);
  } finally {
    clearTimeout(startTimer);
  }

  const heartbeatTimer = setInterval(() => {
    brokers
      .heartbeatAll()
      .catch((e: unknown) => logger.warn('remoting: heartbeat failed', { error: String(e) }));
  }, options.heartbeatIntervalMs ?? 30_000);
  const routeTimer = setInterval(() => {
    refreshRoutes().catch((e: unknown) =>
      logger.warn('remoting: route refresh failed', { error: String(e) }),
    );
  }, options.routeRefreshMs ?? 30_000);
  heartbeatTimer.unref();
  routeTimer.unref();
  logger.info('connected', { nameServer: options.nameServer, topics, producerGroup: group });

  const sendHalf = (message: ValidMessage): Observable<HalfReceipt> =>
    new Observable<HalfReceipt>((subscriber) => {
      const context = { topic: message.topic };
      if (closing) {
        subscriber.error(new ClosedError('The producer is closing', { context }));
        return;
      }
      const queue = declared.has(message.topic) ? routes.nextQueue(message.topic) : undefined;
      if (!queue) {
        subscriber.error(
          new UndeclaredTopicError(
            `Topic ${message.topic} was not declared when the producer started (declared: ${topics.join(', ')})`,
            { context },
          ),
        );
        return;
      }
      // A fresh id per call, so per attempt: a retried half whose first copy was stored after all
      // leaves an orphan the store knows nothing of (answered unknown, then rolled back or
      // discarded), where a reused id would leave a copy the store would commit — delivered twice.
      const messageId = uniqueMessageId();
      const request = halfRequest(message, group, messageId, queue.queueId, queue.brokerName);
      if (request instanceof Error) {
        subscriber.error(request);
        return;
      }
      const sendContext = { topic: message.topic, messageId };
      track(
        brokers
          .get(queue.address)
          .then((connection) =>
            connection.request(RequestCode.SendMessageV2, request.extFields, request.body),
          )
          .then((response) => {
            const ext = response.extFields;
            const commitLogOffset = commitLogOffsetOf(ext.msgId ?? '');
            if (response.code === ResponseCode.Success && commitLogOffset !== undefined) {
              forgetOld(sent);
              sent.set(messageId, {
                topic: message.topic,
                brokerName: queue.brokerName,
                address: queue.address,
                queueOffset: ext.queueOffset ?? '0',
                commitLogOffset,
                at: Date.now(),
              });
              subscriber.next({ messageId, transactionId: ext.transactionId || messageId });
              subscriber.complete();
              return;
            }
            if (commitLogOffset !== undefined && response.code >= 10 && response.code <= 12) {
              // Stored, but not flushed or replicated as the broker is configured to: as the Java
              // producer does, roll it back and report the send failed.
              const offsets = { queueOffset: ext.queueOffset ?? '0', commitLogOffset };
              brokers
                .get(queue.address)
                .then((c) =>
                  end(c, sendContext, {
                    ...offsets,
                    type: TransactionType.Rollback,
                    fromCheck: false,
                    topic: message.topic,
                    brokerName: queue.brokerName,
                    oneway: true,
                  }),
                )
                .catch(() => {});
            }
            subscriber.error(responseError(response, 'Half send', sendContext));
          })
          .catch((error: unknown) => subscriber.error(error)),
      );
    });

  const endTransaction = (request: EndTransactionRequest): Observable<void> =>
    new Observable<void>((subscriber) => {
      const { messageId, transactionId, topic } = request;
      const context = { topic, messageId, transactionId };
      const done = () => {
        subscriber.next();
        subscriber.complete();
      };
      const failed = (error: unknown) => subscriber.error(error);
      const previous = ended.get(messageId);
      if (previous) {
        previous.then(done, failed);
        return;
      }
      if (closing) {
        subscriber.error(new ClosedError('The producer is closing', { context }));
        return;
      }
      const where = sent.get(messageId);
      if (!where) {
        subscriber.error(
          new TransactionNotFoundError(
            `No half message ${messageId} was sent by this producer (or it is too old to end)`,
            {
              context,
            },
          ),
        );
        return;
      }
      const address = routes.masterOf(where.brokerName) ?? where.address;
      const calling = brokers.get(address).then((connection) =>
        end(connection, context, {
          queueOffset: where.queueOffset,
          commitLogOffset: where.commitLogOffset,
          type: request.resolution === 'commit' ? TransactionType.Commit : TransactionType.Rollback,
          fromCheck: request.source === 'check-back',
          topic,
          brokerName: where.brokerName,
          oneway,
        }),
      );
      ended.set(messageId, calling);
      if (request.resolution === 'commit' && !oneway) {
        checkBacks.remember(
          messageId,
          calling.then(
            () => true,
            () => false,
          ),
        );
      }
      if (ended.size > 10_000) evictOldest(ended, 10_000);
      track(calling).then(
        () => {
          sent.delete(messageId);
          if (ended.get(messageId) === calling) ended.set(messageId, ENDED);
          done();
        },
        (error: unknown) => {
          if (ended.get(messageId) === calling) ended.delete(messageId);
          failed(error);
        },
      );
    });

  const close = () => {
    closed ??= (async () => {
      closing = true;
      clearInterval(heartbeatTimer);
      clearInterval(routeTimer);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          drained = resolve;
          if (underWay === 0) resolve();
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn('close: work still under way after drainTimeoutMs was abandoned', {
              pending: underWay,
            });
            resolve();
          }, drainTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      // Unregister, so the brokers stop sending check-backs to a connection about to close.
      const open = await brokers.current();
      await Promise.allSettled(
        open.map((c) =>
          c.request(
            RequestCode.UnregisterClient,
            { clientID: clientId, producerGroup: group },
            undefined,
            1_000,
          ),
        ),
      );
      checkBacks.close();
      sent.clear();
      ended.clear();
      brokers.close();
      names.close();
      logger.info('closed', { nameServer: options.nameServer });
    })();
    return closed;
  };

  return {
    topics,
    producerGroup: group,
    sendHalf,
    endTransaction,
    checkBacks: checkBacks.checks.asObservable(),
    close,
  };
}

/** Halves are ended by their offsets, which stay valid; the map is bounded by age and size. */
function forgetOld(sent: Map<string, Sent>) {
  const limit = Date.now() - 600_000;
  for (const [messageId, half] of sent) {
    if (sent.size <= 100_000 && half.at > limit) break;
    sent.delete(messageId);
  }
}
