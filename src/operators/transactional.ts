import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../core/BrokerPort.js';
import { defaults } from '../core/defaults.js';
import { checkConfig, retryRules } from '../core/internal/checkConfig.js';
import type { RetryConfig } from '../core/RetryConfig.js';
import type { StateStore } from '../core/StateStore.js';
import { activeTelemetry, type Telemetry } from '../core/Telemetry.js';
import type { Rejected, Resolved } from '../core/Transaction.js';
import type { TransactionalMessage } from '../core/TransactionalMessage.js';
import type { LocalStep } from './executeLocal.js';
import { boundedMerge } from './internal/boundedMerge.js';
import { endOne } from './internal/endOne.js';
import { runLocal } from './internal/runLocal.js';
import { sendOne } from './internal/sendOne.js';
import type { Task } from './internal/task.js';

export interface TransactionalConfig {
  /**
   * Transactions in flight at once (send, local step and end call). The source is pulled no faster
   * than slots free up when it is a `pullable`; other sources are buffered. Default 16.
   */
  readonly concurrency?: number;
  /** Where local outcomes are recorded for check-backs. Default: none. */
  readonly store?: StateStore;
  /** Local-step timeout; past it the transaction is left `unknown`. Default 10 000 ms. */
  readonly localTimeoutMs?: number;
  /** Backoff for half sends failing with a retryable error. Default: 5 attempts, 100 ms doubling to 2 s. */
  readonly sendRetry?: RetryConfig;
  /** Backoff for end calls failing with a retryable error. Default: 5 attempts, 100 ms doubling to 2 s. */
  readonly endRetry?: RetryConfig;
  /** Invalid or unsendable messages: `'emit'` a `Rejected` (default) or `'error'` the stream. */
  readonly onRejected?: 'emit' | 'error';
  /** Scheduler for timeouts, retries and timestamps. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Where the transactions are traced and measured. Default: the one set by `useTelemetry` (none). */
  readonly telemetry?: Telemetry;
}

/**
 * Sends each message transactionally: half message, local step, then commit, rollback or
 * nothing (left to the check-back) — `sendHalf`, `executeLocal` and `resolve` in one operator, with
 * at most `concurrency` transactions in flight.
 *
 * ```
 * messages:      --a--b--c---------|
 * step answers:    commit, rollback, throws
 * transactional: ----A--B--C-------|     A: committed, B: rolled-back,
 *                                        C: left-to-check-back (cause LocalStepError)
 * ```
 *
 * Emits one `Resolved` per transaction (or a `Rejected` for a message that never became a half),
 * in completion order. Completes when the source completes and every transaction has ended; does
 * not error for a failing transaction. Unsubscribing never commits anything: halves whose local
 * step had not started are rolled back, running steps are left to the check-back.
 *
 * @example
 * ```ts
 * import { pullable, transactional, TransactionState } from 'rocketmq-rx';
 *
 * pullable(readOutbox()).pipe(
 *   transactional(broker, async (half) => {
 *     await markSent(half.messageId);
 *     return TransactionState.Commit;
 *   }, { store, concurrency: 64 }),
 * ).subscribe((result) => console.log(result.fate));
 * ```
 */
export function transactional(
  broker: BrokerPort,
  step: LocalStep,
  config: TransactionalConfig = {},
): OperatorFunction<TransactionalMessage, Resolved | Rejected> {
  checkConfig('transactional config', [
    ['concurrency', config.concurrency, 'positiveInt'],
    ['localTimeoutMs', config.localTimeoutMs, 'timeoutMs'],
    ...retryRules('sendRetry', config.sendRetry),
    ...retryRules('endRetry', config.endRetry),
  ]);
  const scheduler = config.scheduler ?? asyncScheduler;
  const send = {
    retry: config.sendRetry,
    onRejected: config.onRejected ?? 'emit',
    scheduler,
    trackOwner: false,
    telemetry: activeTelemetry(config.telemetry),
  } as const;
  const local = {
    timeoutMs: config.localTimeoutMs ?? defaults.localTimeoutMs,
    store: config.store,
    scheduler,
  };
  const end = { retry: config.endRetry, scheduler };
  const concurrency = config.concurrency ?? defaults.concurrency;

  // One transaction: send, then local step, then end, chained as plain tasks: nested mergeMaps or
  // Observables per stage cost more than the rest of the transaction on a fast broker.
  const one =
    (message: TransactionalMessage): Task<Resolved | Rejected> =>
    (sink) => {
      let stopLocal: (() => void) | undefined;
      let stopEnd: (() => void) | undefined;
      const stopSend = sendOne(
        broker,
        message,
        send,
      )({
        next: (half) => {
          if (half._tag === 'Rejected') {
            sink.next(half);
            sink.complete();
            return;
          }
          stopLocal = runLocal(
            half,
            step,
            local,
          )({
            next: (outcome) => {
              stopEnd = endOne(broker, outcome, end)(sink);
            },
            error: (e) => sink.error(e),
            complete: ignore,
          });
        },
        error: (e) => sink.error(e),
        complete: ignore,
      });
      return () => {
        stopSend?.();
        stopLocal?.();
        stopEnd?.();
      };
    };
  return (source) => boundedMerge(source, one, concurrency);
}

/** The completions of the send and the local step: the end call's completion ends the transaction. */
function ignore(): void {}
