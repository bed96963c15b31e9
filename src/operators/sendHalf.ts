import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../core/BrokerPort.js';
import { defaults } from '../core/defaults.js';
import { checkConfig, retryRules } from '../core/internal/checkConfig.js';
import type { RetryConfig } from '../core/RetryConfig.js';
import { activeTelemetry, type Telemetry } from '../core/Telemetry.js';
import type { Half, Rejected } from '../core/Transaction.js';
import type { TransactionalMessage } from '../core/TransactionalMessage.js';
import { boundedMerge } from './internal/boundedMerge.js';
import { sendOne } from './internal/sendOne.js';

/** Options of `sendHalf`. */
export interface SendHalfConfig {
  /** Half messages being sent at once. Default 16. */
  readonly concurrency?: number;
  /** Backoff for sends that fail with a retryable error. Default: 5 attempts, 100 ms doubling to 2 s. */
  readonly retry?: RetryConfig;
  /**
   * A message that is invalid, or whose send fails for good: `'emit'` it as a `Rejected` value
   * (the stream goes on), or `'error'` the stream with its typed error. Default `'emit'`.
   */
  readonly onRejected?: 'emit' | 'error';
  /** Scheduler for retry delays and timestamps. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Where the transactions are traced and measured. Default: the one set by `useTelemetry` (none). */
  readonly telemetry?: Telemetry;
}

/**
 * Validates each message and sends it as a half message: stored by the broker, invisible to
 * consumers until committed.
 *
 * Each message is checked first (topic, tag, keys, properties, body size; no delay, group or
 * priority); an invalid one never reaches the broker. Sends that fail with a retryable error are
 * retried with backoff. Unsubscribing while a send is under way lets it finish and rolls back what
 * it stored: cancellation never leaves a half to be committed.
 *
 * ```
 * messages:  --a----b-----c--|
 * sendHalf:  ---A-----B---R--|     A, B: Half { messageId, transactionId, sentAt }
 *                                  R:    Rejected { input: c, error: ValidationError }
 * ```
 *
 * Completes when the source has completed and every send has finished; errors only with
 * `onRejected: 'error'`, or when the source errors.
 *
 * @example
 * ```ts
 * import { sendHalf, executeLocal, resolve } from 'rocketmq-rx';
 *
 * orders$.pipe(
 *   map((order) => ({ topic: 'Orders', body: JSON.stringify(order) })),
 *   sendHalf(broker),
 *   executeLocal((half) => saveOrder(half)),
 *   resolve(broker),
 * );
 * ```
 */
export function sendHalf(
  broker: BrokerPort,
  config: SendHalfConfig = {},
): OperatorFunction<TransactionalMessage, Half | Rejected> {
  checkConfig('sendHalf config', [
    ['concurrency', config.concurrency, 'positiveInt'],
    ...retryRules('retry', config.retry),
  ]);
  const one = {
    retry: config.retry,
    onRejected: config.onRejected ?? 'emit',
    scheduler: config.scheduler ?? asyncScheduler,
    trackOwner: true,
    telemetry: activeTelemetry(config.telemetry),
  } as const;
  const concurrency = config.concurrency ?? defaults.concurrency;
  return (source) => boundedMerge(source, (message) => sendOne(broker, message, one), concurrency);
}
