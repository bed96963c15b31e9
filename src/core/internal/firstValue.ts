import { EMPTY, from, type ObservableInput, type Subscription, type Unsubscribable } from 'rxjs';

/**
 * Takes the first value of an `ObservableInput` (or `undefined` when it completes without one)
 * and lets go of it. The per-transaction steps use this instead of operator chains: a transaction
 * makes only a handful of such calls, and the chains' subscriptions dominated their cost.
 */
export function firstValue<T>(
  input: ObservableInput<T>,
  next: (value: T | undefined) => void,
  error: (error: unknown) => void,
): Unsubscribable {
  // EMPTY is how a store that is durable at once says so (the memory store): nothing to subscribe to.
  if (input === EMPTY) {
    next(undefined);
    return NOTHING_TO_STOP;
  }
  let done = false;
  if (isPromiseLike(input)) {
    input.then(
      (v) => {
        if (done) return;
        done = true;
        next(v);
      },
      (e) => {
        if (done) return;
        done = true;
        error(e);
      },
    );
    return {
      unsubscribe() {
        done = true;
      },
    };
  }
  let sub: Subscription | undefined;
  try {
    sub = from(input).subscribe({
      next: (v) => {
        if (done) return;
        done = true;
        sub?.unsubscribe();
        next(v);
      },
      error: (e) => {
        if (done) return;
        done = true;
        error(e);
      },
      complete: () => {
        if (done) return;
        done = true;
        next(undefined);
      },
    });
  } catch (e) {
    // `from` throws at once for something that is not an ObservableInput.
    if (!done) {
      done = true;
      error(e);
    }
  }
  if (done) sub?.unsubscribe(); // it answered synchronously, before `sub` was assigned
  return {
    unsubscribe() {
      done = true;
      sub?.unsubscribe();
    },
  };
}

const NOTHING_TO_STOP: Unsubscribable = { unsubscribe() {} };

export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
