import type { ObservableInput, SchedulerLike, Unsubscribable } from 'rxjs';
import { isRetryable } from '../errors.js';
import { backoffDelay, type RetryConfig } from '../RetryConfig.js';
import { firstValue } from './firstValue.js';

/**
 * Calls `attempt` until it answers, fails with a non-retryable error, or attempts run out, with
 * exponential backoff on `scheduler` between attempts. `next` and `error` get the attempts made;
 * `retried` hears of each failed attempt that will be tried again.
 */
export function retrying<T>(
  attempt: () => ObservableInput<T>,
  config: RetryConfig | undefined,
  scheduler: SchedulerLike,
  next: (value: T | undefined, attempts: number) => void,
  error: (error: unknown, attempts: number) => void,
  retried?: (error: unknown, attempts: number) => void,
): Unsubscribable {
  const maxAttempts = config?.maxAttempts ?? 5;
  let attempts = 0;
  let current: Unsubscribable | undefined;
  let stopped = false;
  const fail = (e: unknown) => {
    if (stopped) return;
    if (attempts < maxAttempts && isRetryable(e)) {
      retried?.(e, attempts);
      current = scheduler.schedule(go, backoffDelay(attempts, config));
    } else {
      stopped = true;
      error(e, attempts);
    }
  };
  function go() {
    if (stopped) return;
    attempts++;
    let input: ObservableInput<T>;
    try {
      input = attempt();
    } catch (e) {
      fail(e);
      return;
    }
    current = firstValue(
      input,
      (v) => {
        if (stopped) return;
        stopped = true;
        next(v, attempts);
      },
      fail,
    );
  }
  go();
  return {
    unsubscribe() {
      stopped = true;
      current?.unsubscribe();
    },
  };
}
