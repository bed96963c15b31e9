/**
 * The broker port over Apache RocketMQ 5's gRPC proxy, through rocketmq-client-nodejs (imported
 * only by internal/rocketmqClient). It guards the client's known defects so that the core's
 * guarantees hold on a real broker (every guard names the defect it is for).
 */
import { Observable, Subject } from 'rxjs';
import type { BrokerPort, CheckBack, EndTransactionRequest, HalfReceipt } from '../core/BrokerPort.js';
import type { CloseOptions } from '../core/CloseOptions.js';
import { AbortedError, ClosedError, TransactionNotFoundError, UndeclaredTopicError } from '../core/errors.js';
import { abortable, throwIfAborted } from '../core/internal/abortable.js';
import { evictOldest } from '../core/internal/evictOldest.js';
import { silentLogger, wants } from '../core/Logger.js';
import { activeTelemetry } from '../core/Telemetry.js';
import type { ValidMessage } from '../core/TransactionalMessage.js';
import type { HotPath } from './hotPath.js';
import { mapClientError } from './mapClientError.js';
import { checkOptions, type RocketMQBrokerOptions } from './RocketMQBrokerOptions.js';
import {
  clientLogger,
  guardClient,
  loadClient,
  type MessageView,
  type Producer,
  withDeadline,
} from './rocketmqClient.js';
import { startHotPath } from './startHotPath.js';
import { startupError, verifyTopics } from './startup.js';
import { transportCheckBack } from './transportCheckBack.js';

export type { RocketMQBrokerOptions } from './RocketMQBrokerOptions.js';

/** The broker port over a real RocketMQ, plus `close()`. */
export interface RocketMQBroker extends BrokerPort {
  /** The TRANSACTION topics declared at start. */
  readonly topics: readonly string[];
  /**
   * Stops sending and answering, waits for work under way (sends, end calls, check answers) up
   * to `drainTimeoutMs` — or until `options.signal` fires —, completes `checkBacks`, and releases
   * every timer, stream and socket, also when the broker is down. Idempotent: every call returns
   * the same promise, and it never rejects.
   */
  close(options?: CloseOptions): Promise<void>;
  /** `close()`, for `await using broker = await rocketmqBroker(…)`. Idempotent; never throws. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What `ended` keeps for a transaction whose end call succeeded: one settled promise for all. */
const ENDED: Promise<void> = Promise.resolve();

interface Sent {
  readonly topic: string;
  readonly endpoints: unknown;
  readonly at: number;
}

/**
 * Connects to RocketMQ and resolves to a broker port once every declared topic is verified
 * (exists, is a TRANSACTION topic) and the proxy has accepted the producer's settings — the
 * moment from which check-backs reach it. Fails with a `StartupError` whose `cause` is the typed
 * root cause (`BrokerUnavailableError`, `UnauthorizedError`, `TopicNotFoundError`, …) and leaves
 * nothing running.
 *
 * @example
 * ```ts
 * import { rocketmqBroker, transactional } from 'rocketmq-rx';
 *
 * const broker = await rocketmqBroker({ endpoints: '127.0.0.1:8081', topics: ['Orders'] });
 * try {
 *   await lastValueFrom(orders$.pipe(transactional(broker, saveOrder, { store })));
 * } finally {
 *   await broker.close();
 * }
 * ```
 */
export async function rocketmqBroker(options: RocketMQBrokerOptions): Promise<RocketMQBroker> {
  checkOptions(options);
  const signal = options.signal;
  const what = `Starting the RocketMQ producer at ${options.endpoints}`;
  throwIfAborted(signal, what);
  const logger = options.logger ?? silentLogger;
  const requestTimeoutMs = options.requestTimeoutMs ?? 3_000;
  const startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
  const answerTimeoutMs = options.checkAnswerTimeoutMs ?? 10_000;
  const maxPendingChecks = options.maxPendingChecks ?? 1_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const topics = [...new Set(options.topics)];
  const telemetry = activeTelemetry(options.telemetry);
  const declared = new Set(topics);

  const connection = {
    endpoints: options.endpoints,
    namespace: options.namespace ?? '',
    requestTimeout: requestTimeoutMs,
    ...(options.sslEnabled ? { sslEnabled: true } : {}),
    ...(options.credentials ? { sessionCredentials: { ...options.credentials } } : {}),
    // Never the client's default logger: it writes under ~/logs, keeps a flush timer, and is
    // closed by shutdown(). Ours has no `close`, and forwards the client's chatter at debug level.
    logger: clientLogger(logger),
  };
  const startDeadline = Date.now() + startupTimeoutMs;
  const remaining = () => Math.max(1, startDeadline - Date.now());

  // Every topic is verified first, by a client that declares none: a producer declaring a topic
  // that does not exist never gets its settings accepted, and its startup() would just hang.
  const client = await abortable(loadClient(), signal, what);
  const { Producer, MessageView, TransactionResolution, TransactionSource } = client;
  const probe = new Producer(connection);
  const probeGuard = guardClient(probe, logger);
  try {
    await abortable(
      withDeadline(probe.startup(), remaining(), `no answer from ${options.endpoints}`),
      signal,
      what,
    );
    await abortable(
      withDeadline(
        verifyTopics(probe, topics, client),
        remaining(),
        `no answer from ${options.endpoints} about the topics`,
      ),
      signal,
      what,
    );
  } catch (error) {
    throw error instanceof AbortedError ? error : startupError(error, options.endpoints);
  } finally {
    await probeGuard.release(2_000);
  }

  const producer = new Producer({
    ...connection,
    topics,
    // beginTransaction() insists on a checker; check-backs are handled below, not by it.
    checker: { check: async () => null as unknown as never },
  });
  const internals = guardClient(producer, logger);

  const checks = new Subject<CheckBack>();
  const sent = new Map<string, Sent>(); // messageId → where to end it; insertion order = send order
  const ended = new Map<string, Promise<void>>(); // messageId → the one end call for it
  const pendingChecks = new Map<string, number>(); // check key → deadline
  let closing = false;
  let closed: Promise<void> | undefined;

  // Work under way (sends, end calls, check answers), counted rather than kept in a Set: a Set
  // with an entry added and removed per call churns its table on the hot path.
  let underWay = 0;
  let drained: (() => void) | undefined;
  const finished = () => {
    if (--underWay === 0) drained?.();
  };
  const track = <T>(promise: Promise<T>): Promise<T> => {
    underWay++;
    promise.then(finished, finished);
    return promise;
  };

  // Check-backs: the client's handler would give its checker only a MessageView (no transaction
  // id), send any answer as-is, time nothing out and keep answering after shutdown. We take the
  // command ourselves.
  internals.onCheck((endpoints, command) => {
    if (closing) return;
    const now = Date.now();
    for (const [key, deadline] of pendingChecks) {
      if (deadline > now) break;
      pendingChecks.delete(key);
    }
    if (pendingChecks.size >= maxPendingChecks) {
      logger.warn('check-back shed: too many waiting for an answer', { pending: pendingChecks.size });
      telemetry?.checkBackDropped(String(command.getMessage?.()?.getTopic?.()?.getName?.() ?? ''), 'shed');
      return;
    }
    const transactionId = String(command.getTransactionId?.() ?? '');
    const pb = command.getMessage?.();
    let view: MessageView | undefined;
    try {
      view = pb ? new MessageView(pb) : undefined;
    } catch (error) {
      logger.warn('check-back message could not be decoded', { transactionId, error: String(error) });
    }
    const messageId = view?.messageId ?? String(pb?.getSystemProperties?.()?.getMessageId?.() ?? '');
    const topic = view?.topic ?? String(pb?.getTopic?.()?.getName?.() ?? '');
    const key = `${messageId}/${transactionId}/${now}`;
    const deadline = now + answerTimeoutMs;
    pendingChecks.set(key, deadline);
    const check = transportCheckBack(
      {
        topic,
        messageId,
        transactionId,
        ...(view
          ? {
              message: {
                body: new Uint8Array(view.body),
                ...(view.tag === undefined ? {} : { tag: view.tag }),
                keys: view.keys,
                properties: Object.fromEntries(view.properties),
              },
            }
          : {}),
        ...(view?.bornTimestamp ? { bornAt: view.bornTimestamp.getTime() } : {}),
        ...checkCountOf(view),
        deadline,
      },
      {
        now: Date.now,
        closing: () => closing,
        settled: () => pendingChecks.delete(key),
        logger,
        send: view
          ? (state) =>
              track(
                producer
                  .endTransaction(
                    endpoints as never,
                    view,
                    messageId,
                    transactionId,
                    state === 'commit' ? TransactionResolution.COMMIT : TransactionResolution.ROLLBACK,
                    TransactionSource.SOURCE_SERVER_CHECK,
                  )
                  .catch((error: unknown) => {
                    throw mapClientError(error, { topic, messageId, transactionId });
                  }),
              )
          : undefined,
      },
    );
    logger.debug('check-back', { topic, messageId, transactionId });
    checks.next(check);
  });

  // Startup with a deadline: the client waits for the first settings reply with no timeout.
  try {
    throwIfAborted(signal, what);
    await abortable(
      withDeadline(
        producer.startup(),
        startupTimeoutMs,
        `no answer from ${options.endpoints} within ${startupTimeoutMs} ms`,
      ),
      signal,
      what,
    );
    await abortable(verifyTopics(producer, topics, client), signal, what);
  } catch (error) {
    await internals.release(Math.min(drainTimeoutMs, 5_000));
    throw error instanceof AbortedError ? error : startupError(error, options.endpoints);
  }
  let fast: HotPath | undefined;
  if (options.hotPath !== false) {
    try {
      fast = await startHotPath(producer, options, topics, requestTimeoutMs, client);
    } catch (error) {
      await internals.release(Math.min(drainTimeoutMs, 5_000));
      throw startupError(error, options.endpoints);
    }
  }
  const debugEnds = wants(logger, 'debug');
  logger.info('connected', { endpoints: options.endpoints, topics, hotPath: fast !== undefined });

  const sendHalf = (message: ValidMessage): Observable<HalfReceipt> =>
    // One Observable and one client call per half: this runs once per transaction, and on a fast
    // broker every promise and wrapper here is measurable.
    new Observable<HalfReceipt>((subscriber) => {
      const context = { topic: message.topic };
      if (closing) {
        subscriber.error(new ClosedError('The producer is closing', { context }));
        return;
      }
      if (!declared.has(message.topic)) {
        subscriber.error(
          new UndeclaredTopicError(
            `Topic ${message.topic} was not declared when the producer started (declared: ${topics.join(', ')}); its check-backs would not reach this producer`,
            { context },
          ),
        );
        return;
      }
      let sending: Promise<{ messageId: string; transactionId: string; endpoints?: unknown }>;
      try {
        sending = fast
          ? new Promise((resolve, reject) => {
              (fast as HotPath).send(message, (error, receipt) =>
                error ? reject(error) : resolve(receipt as never),
              );
            })
          : producer.send(clientMessage(message), producer.beginTransaction());
      } catch (error) {
        subscriber.error(mapClientError(error, context));
        return;
      }
      track(sending).then(
        (receipt) => {
          forgetExpired(sent);
          sent.set(receipt.messageId, { topic: message.topic, endpoints: receipt.endpoints, at: Date.now() });
          subscriber.next({ messageId: receipt.messageId, transactionId: receipt.transactionId });
          subscriber.complete();
        },
        (error: unknown) => {
          subscriber.error(mapClientError(error, context));
        },
      );
    });

  const endTransaction = (request: EndTransactionRequest): Observable<void> =>
    // Like sendHalf: one Observable and one client call, no promise chained onto it.
    new Observable<void>((subscriber) => {
      const { messageId } = request;
      const context = () => ({ topic: request.topic, messageId, transactionId: request.transactionId });
      const done = () => {
        subscriber.next();
        subscriber.complete();
      };
      const failed = (error: unknown) => subscriber.error(mapClientError(error, context()));
      // A repeated end for the same transaction is never sent twice: the first call is shared.
      const previous = ended.get(messageId);
      if (previous) {
        previous.then(done, failed);
        return;
      }
      if (closing) {
        subscriber.error(new ClosedError('The producer is closing', { context: context() }));
        return;
      }
      const where = sent.get(messageId);
      if (!where) {
        subscriber.error(
          new TransactionNotFoundError(
            `No half message ${messageId} was sent by this producer (or it is too old to end)`,
            { context: context() },
          ),
        );
        return;
      }
      let calling: Promise<void>;
      try {
        if (fast) {
          const hot = fast;
          if (debugEnds) logger.debug(`EndTransaction sent, messageId=${messageId}`, context());
          calling = new Promise((resolve, reject) => {
            hot.end(
              {
                topic: request.topic,
                messageId,
                transactionId: request.transactionId,
                commit: request.resolution === 'commit',
                fromCheck: request.source === 'check-back',
              },
              (error) => (error ? reject(error) : resolve()),
            );
          });
        } else
          calling = producer.endTransaction(
            where.endpoints as never,
            { topic: request.topic } as never,
            messageId,
            request.transactionId,
            request.resolution === 'commit' ? TransactionResolution.COMMIT : TransactionResolution.ROLLBACK,
            request.source === 'check-back'
              ? TransactionSource.SOURCE_SERVER_CHECK
              : TransactionSource.SOURCE_CLIENT,
          );
      } catch (error) {
        failed(error);
        return;
      }
      ended.set(messageId, calling);
      if (ended.size > 10_000) evictOldest(ended, 10_000);
      track(calling).then(
        () => {
          sent.delete(messageId);
          // Remembered as ended without keeping this call's promise alive.
          if (ended.get(messageId) === calling) ended.set(messageId, ENDED);
          done();
        },
        (error: unknown) => {
          if (ended.get(messageId) === calling) ended.delete(messageId); // a failed call may be retried
          failed(error);
        },
      );
    });

  // Any close() call's signal cuts the one drain short.
  let stopDraining: (() => void) | undefined;
  const close = (closeOptions?: CloseOptions) => {
    closed ??= (async () => {
      closing = true;
      const draining = new Promise<void>((resolve) => {
        drained = resolve;
        stopDraining = resolve;
        if (underWay === 0) resolve();
      });
      await withDeadline(draining, drainTimeoutMs, 'drain').catch(() =>
        logger.warn('close: work still under way after drainTimeoutMs was abandoned', {
          pending: underWay,
        }),
      );
      checks.complete();
      pendingChecks.clear();
      sent.clear();
      ended.clear();
      fast?.close();
      await internals
        .release(drainTimeoutMs)
        .catch((error: unknown) =>
          logger.warn('close: releasing the client failed', { error: String(error) }),
        );
      logger.info('closed', { endpoints: options.endpoints });
    })();
    const closeSignal = closeOptions?.signal;
    if (closeSignal?.aborted) stopDraining?.();
    else closeSignal?.addEventListener('abort', () => stopDraining?.(), { once: true });
    return closed;
  };

  return {
    topics,
    sendHalf,
    endTransaction,
    checkBacks: checks.asObservable(),
    close,
    [Symbol.asyncDispose]: () => close().catch(() => undefined),
  };
}

// ---------------------------------------------------------------------------------------------

/** Sent halves older than the proxy's memory (30 s) cannot be ended any more: keep the map small. */
function forgetExpired(sent: Map<string, Sent>) {
  const limit = Date.now() - 60_000;
  for (const [messageId, half] of sent) {
    if (sent.size <= 100_000 && half.at > limit) break; // later entries were sent later
    sent.delete(messageId);
  }
}

/** The broker's check counter, which it keeps in the half's `TRANSACTION_CHECK_TIMES` property. */
function checkCountOf(view: MessageView | undefined): { checkCount?: number } {
  const n = Number(view?.properties.get('TRANSACTION_CHECK_TIMES'));
  return Number.isInteger(n) && n > 0 ? { checkCount: n } : {};
}

/** The official client's form of a message. */
function clientMessage(message: ValidMessage): Parameters<Producer['send']>[0] {
  return {
    topic: message.topic,
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
    // The client only reads the keys (into the protobuf message): no copy needed.
    keys: message.keys as string[],
    ...(Object.keys(message.properties).length === 0
      ? {}
      : { properties: new Map(Object.entries(message.properties)) }),
    ...(message.tag === undefined ? {} : { tag: message.tag }),
  };
}
