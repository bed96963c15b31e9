import {
  defaultIfEmpty,
  defer,
  from,
  type ObservableInput,
  retry,
  type SchedulerLike,
  take,
  throwError,
  timer,
} from 'rxjs';
import { isRetryable } from '../errors.js';
import { backoffDelay, type RetryConfig } from '../RetryConfig.js';

/**
 * Calls `attempt` until it succeeds, a non-retryable error occurs, or attempts run out. The
 * result is the first value, or `undefined` when the call completes without one.
 */
export function withRetry<T>(
  attempt: (n: number) => ObservableInput<T>,
  config: RetryConfig | undefined,
  scheduler: SchedulerLike,
) {
  const maxAttempts = config?.maxAttempts ?? 5;
  let n = 0;
  return defer(() => from(attempt(++n))).pipe(
    take(1),
    defaultIfEmpty(undefined as T | undefined),
    retry({
      count: Math.max(0, maxAttempts - 1),
      delay: (error, retryCount) =>
        isRetryable(error) ? timer(backoffDelay(retryCount, config), scheduler) : throwError(() => error),
    }),
  );
}
