import type { Observable, Subscription } from 'rxjs';

/**
 * A unit of per-item work inside the operators: started with a sink, answers through it, and
 * returns how to stop it. Plain callbacks, because an Observable and a Subscriber per stage per
 * transaction cost more than the rest of a transaction on a fast broker.
 */
export interface Sink<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

export type Task<T> = (sink: Sink<T>) => (() => void) | undefined;

/** A task that runs an Observable (for operators whose per-item work is already one). */
export function observableTask<T>(observable: Observable<T>): Task<T> {
  return (sink) => {
    const sub: Subscription = observable.subscribe(sink);
    return () => sub.unsubscribe();
  };
}
