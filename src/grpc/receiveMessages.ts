import { asyncScheduler, from, mergeMap, Observable, type ObservableInput, type Unsubscribable } from 'rxjs';
import type { ConnectionOptions } from '../core/ConnectionOptions.js';
import { CancelledError, type RocketMQRxError, StartupError, ValidationError } from '../core/errors.js';
import { checkConfig, retryRules } from '../core/internal/checkConfig.js';
import { firstValue } from '../core/internal/firstValue.js';
import { retrying } from '../core/internal/retrying.js';
import { type Logger, silentLogger } from '../core/Logger.js';
import type { RetryConfig } from '../core/RetryConfig.js';
import { activeTelemetry, type ConsumedMessage, type Telemetry } from '../core/Telemetry.js';
import { validateTopic } from '../core/validateMessage.js';
import { mapClientError, rootCause } from './mapClientError.js';
import {
  type ClientModule,
  clientLogger,
  guardClient,
  loadClient,
  type MessageView,
  withDeadline,
} from './rocketmqClient.js';

/** The proxy's bounds for a receive's invisible duration (ProxyConfig defaults of 5.x). */
const MIN_INVISIBLE_MS = 10_000;
const MAX_INVISIBLE_MS = 12 * 60 * 60 * 1000;
/** Invisible duration given to a message let go (timeout, unsubscribe): redelivered soon after. */
const RELEASE_MS = 1_000;

export interface ReceiveMessagesOptions<R> extends ConnectionOptions {
  readonly topic: string;
  readonly consumerGroup: string;
  /** Tag filter, e.g. `TagA || TagB`. Default `*`. */
  readonly tags?: string;
  /**
   * Handles one message. When it succeeds (its first value, or completion) the message is
   * acknowledged; when it fails the message is not, and the broker delivers it again once its
   * invisible duration has passed.
   */
  readonly handle: (message: ReceivedMessage) => ObservableInput<R>;
  /**
   * Messages received and not yet acknowledged, at most. No receive is made while this many are
   * being handled: a slow handler slows receiving, and memory stays flat. Default 32.
   */
  readonly maxUnacked?: number;
  /**
   * How long a received message stays invisible to other consumers, ms: 10 000 to 43 200 000 (12 h),
   * the proxy's bounds. It is extended while its handler runs, so slow handling is not redelivered
   * behind its back. Default 30 000.
   */
  readonly invisibleDurationMs?: number;
  /**
   * Longest a handler may run, ms. A handler still running then is given up: its message is
   * released for redelivery (not acknowledged), its slot freed, and `TimedOut` emitted, so hung
   * handlers cannot stop consumption. Default 300 000 (5 minutes).
   */
  readonly handlerTimeoutMs?: number;
  /**
   * Backoff for receive calls that fail with a retryable error (broker restarting, throttled).
   * A non-retryable one (unauthorized, bad filter, unknown group), or running out of attempts,
   * errors the stream with the typed error. Default: unlimited attempts, 200 ms doubling to 5 s.
   */
  readonly receiveRetry?: RetryConfig;
  /** Long-polling time of one receive, ms (the 5.x proxy wants at least about 5 s). Default 10 000. */
  readonly longPollMs?: number;
  /** Deadline for connecting, ms. Default 15 000. */
  readonly startupTimeoutMs?: number;
  readonly logger?: Logger;
  /** Where receives, handling and acks are traced and measured. Default: the one set by `useTelemetry`. */
  readonly telemetry?: Telemetry;
}

/** A message as received. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly topic: string;
  readonly body: Uint8Array;
  readonly tag?: string;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** How many times the broker has delivered it (1 the first time). */
  readonly deliveryAttempt: number;
}

/** What became of one received message. */
export type HandledMessage<R> =
  | { readonly _tag: 'Acked'; readonly message: ReceivedMessage; readonly result: R | undefined }
  /** The handler failed: not acknowledged, so the broker redelivers it. */
  | { readonly _tag: 'Failed'; readonly message: ReceivedMessage; readonly error: unknown }
  /** Handled, but the acknowledgement failed: the broker may deliver it again. */
  | { readonly _tag: 'AckFailed'; readonly message: ReceivedMessage; readonly error: RocketMQRxError }
  /** The handler ran past `handlerTimeoutMs`: given up and released, so the broker redelivers it. */
  | { readonly _tag: 'TimedOut'; readonly message: ReceivedMessage; readonly afterMs: number };

/**
 * Consumes a topic as an Observable, over the client's SimpleConsumer: long polling, at most
 * `maxUnacked` messages in hand, each acknowledged only after `handle` succeeded, never on failure
 * (the broker redelivers), and given up after `handlerTimeoutMs`. Emits what became of each
 * message. Retryable receive errors back off and retry (the stream does not die for a broker
 * restart); others error the stream with their typed error, and a failed start with a
 * `StartupError`. Unsubscribing stops polling, releases unfinished messages for redelivery, then
 * the consumer. Delivery is at least once: handlers must be idempotent.
 *
 * ```
 * broker:  --m1--m2--m3------m2'--
 * handle:    ok   x   ok      ok        (m2 fails once)
 * emits:   --A1--F2--A3------A2'--      A: Acked, F: Failed (m2 comes back as m2')
 * ```
 *
 * @example
 * ```ts
 * import { receiveMessages } from 'rocketmq-rx';
 *
 * receiveMessages({
 *   endpoints: '127.0.0.1:8081', topic: 'Orders', consumerGroup: 'billing',
 *   handle: (m) => billOrder(JSON.parse(new TextDecoder().decode(m.body))),
 * }).subscribe((h) => h._tag === 'Failed' && log(h.error));
 * ```
 */
export function receiveMessages<R>(options: ReceiveMessagesOptions<R>): Observable<HandledMessage<R>> {
  checkConfig('receiveMessages options', [
    ['maxUnacked', options.maxUnacked, 'positiveInt'],
    ['longPollMs', options.longPollMs, 'timeoutMs'],
    ['startupTimeoutMs', options.startupTimeoutMs, 'timeoutMs'],
    ['handlerTimeoutMs', options.handlerTimeoutMs, 'timeoutMs'],
    ...retryRules('receiveRetry', options.receiveRetry),
  ]);
  const issues = validateTopic(options.topic).map((i) => ({ path: ['topic'], message: i.message }));
  const invisible = options.invisibleDurationMs;
  if (
    invisible !== undefined &&
    !(typeof invisible === 'number' && invisible >= MIN_INVISIBLE_MS && invisible <= MAX_INVISIBLE_MS)
  ) {
    // Outside these the proxy refuses every receive (40011): fail here, not forever at run time.
    issues.push({
      path: ['invisibleDurationMs'],
      message: `must be from ${MIN_INVISIBLE_MS} to ${MAX_INVISIBLE_MS} ms (got ${String(invisible)})`,
    });
  }
  if (typeof options.consumerGroup !== 'string' || !/^[%|a-zA-Z0-9_-]{1,255}$/.test(options.consumerGroup)) {
    issues.push({ path: ['consumerGroup'], message: 'must be 1–255 letters, digits, %, |, _ or -' });
  }
  if (issues.length > 0) throw new ValidationError('receiveMessages options', issues);

  const logger = options.logger ?? silentLogger;
  const maxUnacked = options.maxUnacked ?? 32;
  const invisibleMs = options.invisibleDurationMs ?? 30_000;
  const longPollMs = options.longPollMs ?? 10_000;
  const startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
  const telemetry = activeTelemetry(options.telemetry);
  const receiveInfo = { topic: options.topic, consumerGroup: options.consumerGroup };
  const handlerTimeoutMs = options.handlerTimeoutMs ?? 300_000;
  const receiveRetry: RetryConfig = {
    maxAttempts: Number.POSITIVE_INFINITY,
    initialDelayMs: 200,
    maxDelayMs: 5_000,
    ...options.receiveRetry,
  };

  // The client is loaded when the first subscriber arrives (see loadClient).
  const consume = ({ SimpleConsumer }: ClientModule) =>
    new Observable<HandledMessage<R>>((subscriber) => {
      const consumer = new SimpleConsumer({
        endpoints: options.endpoints,
        namespace: options.namespace ?? '',
        consumerGroup: options.consumerGroup,
        subscriptions: new Map([[options.topic, options.tags ?? '*']]),
        awaitDuration: longPollMs,
        logger: clientLogger(logger),
        ...(options.sslEnabled ? { sslEnabled: true } : {}),
        ...(options.credentials ? { sessionCredentials: { ...options.credentials } } : {}),
      });
      const guard = guardClient(consumer, logger);
      let running = true;
      let inHand = 0;
      let slotFreed: (() => void) | undefined;
      const handlers = new Set<{ stop(): void }>();

      const freeSlot = () => {
        inHand--;
        slotFreed?.();
        slotFreed = undefined;
      };

      /** Lets a message go: visible again in a moment, so the broker redelivers it soon. */
      const releaseView = (view: MessageView) =>
        withDeadline(consumer.changeInvisibleDuration(view, RELEASE_MS), 3_000, 'releasing a message').catch(
          (error: unknown) => {
            // Not released: the broker redelivers it once its invisible duration runs out.
            logger.warn('releasing a message failed', { messageId: view.messageId, error: String(error) });
          },
        );

      const handleOne = (view: MessageView) => {
        const message: ReceivedMessage = {
          messageId: view.messageId,
          topic: view.topic,
          body: new Uint8Array(view.body),
          ...(view.tag === undefined ? {} : { tag: view.tag }),
          keys: view.keys,
          properties: Object.fromEntries(view.properties),
          deliveryAttempt: view.deliveryAttempt ?? 1,
        };
        const context = { topic: message.topic, messageId: message.messageId };
        // Calls on this message's receipt handle, one at a time: an extension replaces the handle
        // when it lands, so an ack sent meanwhile would carry a handle about to be invalid.
        let chain: Promise<unknown> = Promise.resolve();
        const serial = <T>(call: () => Promise<T>): Promise<T> => {
          const next = chain.then(call);
          chain = next.catch(() => {});
          return next;
        };
        const release = () => serial(() => releaseView(view));
        // Extend the invisible duration before it runs out, for as long as the handler runs.
        const extend = setInterval(
          () => {
            serial(() => consumer.changeInvisibleDuration(view, invisibleMs)).catch((error: unknown) => {
              logger.warn('extending the invisible duration failed', { ...context, error: String(error) });
            });
          },
          Math.max(1_000, Math.floor((invisibleMs * 2) / 3)),
        );
        const trace = telemetry?.process(consumedOf(view), options.consumerGroup, Date.now());
        const timeout = setTimeout(() => {
          running$.unsubscribe();
          void release();
          finish({ _tag: 'TimedOut', message, afterMs: handlerTimeoutMs });
        }, handlerTimeoutMs);
        let finished = false;
        const finish = (outcome: HandledMessage<R> | undefined) => {
          if (finished) return;
          finished = true;
          if (trace) traceOutcome(trace, outcome);
          clearInterval(extend);
          clearTimeout(timeout);
          handlers.delete(entry);
          freeSlot();
          if (outcome && running) subscriber.next(outcome);
        };
        let input: ObservableInput<R>;
        try {
          input = trace ? trace.run(() => options.handle(message)) : options.handle(message);
        } catch (error) {
          finish({ _tag: 'Failed', message, error });
          return;
        }
        let acking = false;
        const running$ = firstValue(
          input,
          (result) => {
            if (!running || finished) return finish(undefined);
            acking = true;
            clearTimeout(timeout); // handled in time: the ack is not the handler's to time out
            if (trace) {
              trace.processed(undefined, Date.now());
              trace.ackStarted(Date.now());
            }
            serial(() => consumer.ack(view)).then(
              () => finish({ _tag: 'Acked', message, result }),
              (error: unknown) =>
                finish({ _tag: 'AckFailed', message, error: mapClientError(error, context) }),
            );
          },
          (error) => finish({ _tag: 'Failed', message, error }),
        );
        const entry = {
          /** On unsubscribe: gives the handler up and releases its message for redelivery. */
          stop(): Promise<unknown> {
            running$.unsubscribe();
            finish(undefined);
            return acking ? chain : release();
          },
        };
        if (!finished) handlers.add(entry);
      };

      let cancelReceive: (() => void) | undefined;
      let inflight: Promise<MessageView[]> | undefined; // the receive call on the wire, if any
      /** One receive, retried with backoff while it fails retryably; [] once unsubscribed. */
      const receiveOnce = (count: number) =>
        new Promise<MessageView[]>((resolve, reject) => {
          const attempt = () => {
            const call = consumer.receive(count, invisibleMs);
            inflight = call;
            const settled = () => {
              if (inflight === call) inflight = undefined;
            };
            return call.then(
              (views) => {
                settled();
                return views;
              },
              (error: unknown) => {
                settled();
                // "No new message" also comes as an error from some proxies: an empty answer.
                if (/no new message/i.test(String((error as Error | null)?.message ?? error))) return [];
                const typed = mapClientError(error, { topic: options.topic });
                if (running && typed.retryable)
                  logger.warn('receive failed; retrying', { error: typed.message, code: typed._tag });
                throw typed;
              },
            );
          };
          const retry: Unsubscribable = retrying(
            attempt,
            receiveRetry,
            asyncScheduler,
            (views) => resolve(views ?? []),
            reject,
          );
          cancelReceive = () => {
            retry.unsubscribe();
            resolve([]);
          };
        });

      const poll = async () => {
        try {
          await withDeadline(consumer.startup(), startupTimeoutMs, `no answer from ${options.endpoints}`);
        } catch (error) {
          const typed = mapClientError(rootCause(error));
          if (running) {
            subscriber.error(
              new StartupError(`Could not start consuming ${options.topic}: ${typed.message}`, {
                cause: typed,
                retryable: typed.retryable,
              }),
            );
          }
          return;
        }
        while (running) {
          if (inHand >= maxUnacked) {
            await new Promise<void>((resolve) => {
              slotFreed = resolve;
            });
            continue;
          }
          let views: MessageView[];
          const receiveStarted = Date.now();
          try {
            views = await receiveOnce(Math.min(32, maxUnacked - inHand));
            telemetry?.received(receiveInfo, views.map(consumedOf), receiveStarted, Date.now());
          } catch (error) {
            if (running) subscriber.error(error);
            return;
          }
          for (const view of views) {
            if (!running) return; // received after unsubscribe: left unacknowledged, redelivered
            inHand++;
            handleOne(view);
          }
        }
      };
      void poll();

      return () => {
        running = false;
        slotFreed?.();
        cancelReceive?.();
        const releasing = [...handlers].map((h) => h.stop());
        // The long poll under way cannot be cancelled, and what it still receives would stay
        // invisible for the whole duration: it is waited for (bounded) and released too. Then the
        // client. Each step is bounded, so this ends even with the broker gone.
        const late = inflight
          ? withDeadline(inflight, longPollMs + 5_000, 'the last receive').catch((): MessageView[] => [])
          : Promise.resolve([]);
        void late
          .then((views) => Promise.allSettled([...releasing, ...views.map(releaseView)]))
          .then(() => guard.release(5_000));
      };
    });
  return from(loadClient()).pipe(mergeMap(consume));
}

/** A received message as telemetry sees it (only built when telemetry is on). */
function consumedOf(view: MessageView): ConsumedMessage {
  return {
    messageId: view.messageId,
    topic: view.topic,
    ...(view.tag === undefined ? {} : { tag: view.tag }),
    keys: view.keys,
    properties: Object.fromEntries(view.properties),
    deliveryAttempt: view.deliveryAttempt ?? 1,
    ...(view.bornTimestamp ? { bornAt: view.bornTimestamp.getTime() } : {}),
  };
}

/** Ends a message's trace as its handling ended: processed and acked, failed, or given up. */
function traceOutcome<R>(
  trace: ReturnType<Telemetry['process']>,
  outcome: HandledMessage<R> | undefined,
): void {
  const now = Date.now();
  if (outcome === undefined)
    trace.processed(new CancelledError('Unsubscribed while the message was handled'), now);
  else if (outcome._tag === 'Failed') trace.processed(outcome.error, now);
  else if (outcome._tag === 'TimedOut')
    trace.processed(
      new CancelledError(
        `The handler ran over handlerTimeoutMs (${outcome.afterMs} ms): released for redelivery`,
      ),
      now,
    );
  else trace.ackEnded(outcome._tag === 'AckFailed' ? outcome.error : undefined, now);
}
