import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../core/BrokerPort.js';
import { defaults } from '../core/defaults.js';
import { checkConfig, retryRules } from '../core/internal/checkConfig.js';
import type { RetryConfig } from '../core/RetryConfig.js';
import type { Local, Rejected, Resolved } from '../core/Transaction.js';
import { boundedMerge } from './internal/boundedMerge.js';
import { endOne } from './internal/endOne.js';
import type { Task } from './internal/task.js';

/** Options of `resolve`. */
export interface ResolveConfig {
  /** Backoff for end calls that fail with a retryable error. Default: 5 attempts, 100 ms doubling to 2 s. */
  readonly retry?: RetryConfig;
  /** End calls under way at once. Default 16. */
  readonly concurrency?: number;
  /** Scheduler for retry delays. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Ends each transaction at the broker: commit or rollback as the local outcome says; `unknown`
 * sends nothing and is left to the check-back.
 *
 * End calls failing with a retryable error (unavailable, timeout, throttled) are retried with
 * exponential backoff, up to `retry.maxAttempts`. When they fail for good, or the broker no longer
 * knows the transaction (the 5.x proxy forgets it 30 s after the send), the emitted `Resolved`
 * says `left-to-check-back` with the cause: the stream does not error, and the check-back settles
 * the transaction from the store.
 *
 * ```
 * locals:  --a---------b--|          a: commit, b: unknown
 * broker:    x--x---ok                (two retryable failures, backoff 100 ms, 200 ms)
 * resolve: ----------A-B--|          A: committed (attempts 3), B: left-to-check-back
 * ```
 *
 * Unsubscribing abandons end calls still waiting for a retry: the store holds the outcome, and
 * the check-back settles them. `Rejected` values pass through untouched.
 *
 * @example
 * ```ts
 * import { resolve } from 'rocketmq-rx';
 *
 * locals$.pipe(resolve(broker, { retry: { maxAttempts: 8, maxDelayMs: 4_000 } }));
 * ```
 */
export function resolve(
  broker: BrokerPort,
  config: ResolveConfig = {},
): <T extends Local | Rejected>(source: Observable<T>) => Observable<Resolved | Exclude<T, Local>> {
  checkConfig('resolve config', [
    ['concurrency', config.concurrency, 'positiveInt'],
    ...retryRules('retry', config.retry),
  ]);
  const one = { retry: config.retry, scheduler: config.scheduler ?? asyncScheduler };
  const concurrency = config.concurrency ?? defaults.concurrency;
  return <T extends Local | Rejected>(source: Observable<T>) =>
    boundedMerge(
      source,
      (value: T): Task<Resolved | Exclude<T, Local>> => endOne(broker, value as Local, one),
      concurrency,
      // A Rejected passes through at once: it never waits for a slot behind end calls.
      { passThrough: (value) => (value._tag === 'Local' ? undefined : (value as Exclude<T, Local>)) },
    );
}
