import { from, mergeMap, Observable, type ObservableInput } from 'rxjs';
import type { ConnectionOptions } from '../core/ConnectionOptions.js';
import { CancelledError, type RocketMQRxError, StartupError, ValidationError } from '../core/errors.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import { firstValue } from '../core/internal/firstValue.js';
import { type Logger, silentLogger } from '../core/Logger.js';
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
   * How long a received message stays invisible to other consumers, ms. It is extended while its
   * handler runs, so slow handling is not redelivered behind its back. Default 30 000.
   */
  readonly invisibleDurationMs?: number;
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
  | { readonly _tag: 'AckFailed'; readonly message: ReceivedMessage; readonly error: RocketMQRxError };

/**
 * Consumes a topic as an Observable, over the client's SimpleConsumer: long polling, at most
 * `maxUnacked` messages in hand, each acknowledged only after `handle` succeeded, never on failure
 * (the broker redelivers). Emits what became of each message. Receive errors are retried (the
 * stream does not die for a broker restart); a failed start errors the stream with a
 * `StartupError`. Unsubscribing stops polling, leaves unfinished messages unacknowledged (they are
 * redelivered) and releases the consumer. Delivery is at least once: handlers must be idempotent.
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
    ['invisibleDurationMs', options.invisibleDurationMs, 'positive'],
    ['longPollMs', options.longPollMs, 'positive'],
    ['startupTimeoutMs', options.startupTimeoutMs, 'positive'],
  ]);
  const issues = validateTopic(options.topic).map((i) => ({ path: ['topic'], message: i.message }));
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
        // Extend the invisible duration before it runs out, for as long as the handler runs.
        const extend = setInterval(
          () => {
            consumer.changeInvisibleDuration(view, invisibleMs).catch((error: unknown) => {
              logger.warn('extending the invisible duration failed', {
                messageId: view.messageId,
                error: String(error),
              });
            });
          },
          Math.max(1_000, Math.floor((invisibleMs * 2) / 3)),
        );
        const trace = telemetry?.process(consumedOf(view), options.consumerGroup, Date.now());
        let finished = false;
        const finish = (outcome: HandledMessage<R> | undefined) => {
          if (finished) return;
          finished = true;
          if (trace) traceOutcome(trace, outcome);
          clearInterval(extend);
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
        const running$ = firstValue(
          input,
          (result) => {
            if (!running) return finish(undefined);
            if (trace) {
              trace.processed(undefined, Date.now());
              trace.ackStarted(Date.now());
            }
            consumer.ack(view).then(
              () => finish({ _tag: 'Acked', message, result }),
              (error: unknown) =>
                finish({
                  _tag: 'AckFailed',
                  message,
                  error: mapClientError(error, { topic: message.topic, messageId: message.messageId }),
                }),
            );
          },
          (error) => finish({ _tag: 'Failed', message, error }),
        );
        const entry = {
          stop() {
            running$.unsubscribe();
            finish(undefined); // not acknowledged: the broker redelivers it
          },
        };
        if (!finished) handlers.add(entry);
      };

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
        let failures = 0;
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
            views = await consumer.receive(Math.min(32, maxUnacked - inHand), invisibleMs);
            failures = 0;
            telemetry?.received(receiveInfo, views.map(consumedOf), receiveStarted, Date.now());
          } catch (error) {
            if (!running) return;
            // "No new message" also comes as an error from some proxies; anything else is logged.
            const typed = mapClientError(error, { topic: options.topic });
            if (!/no new message|MESSAGE_NOT_FOUND|40401/i.test(typed.message)) {
              failures++;
              logger.warn('receive failed; retrying', { error: typed.message, failures });
              await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(failures, 5))));
            }
            continue;
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
        for (const h of [...handlers]) h.stop();
        // The long poll under way cannot be cancelled; releasing the client ends it.
        void guard.release(5_000);
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
  else trace.ackEnded(outcome._tag === 'AckFailed' ? outcome.error : undefined, now);
}
