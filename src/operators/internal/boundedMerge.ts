import { asyncScheduler, Observable, type Subscription } from 'rxjs';
import { pullIterator } from '../pullable.js';
import type { Task } from './task.js';

/** Items pulled from a synchronous source before the event loop gets a turn. */
const YIELD_EVERY = 16_384;

export interface BoundedMergeOptions<T, R> {
  /** Called at teardown with the items that were taken from the source but never started. */
  readonly onAbandoned?: (items: readonly T[]) => void;
  /**
   * Items that are results already (a `Rejected` passing through, a shed check-back): emitted at
   * once, never waiting for a slot nor held in the buffer. Returns the result, or undefined.
   */
  readonly passThrough?: (item: T) => R | undefined;
}

/**
 * `mergeMap` with a concurrency bound that also respects demand: a `pullable` source is pulled
 * only when a slot is free, so nothing is buffered; any other source is buffered as `mergeMap`
 * would. At teardown, buffered items are handed to `onAbandoned` instead of being silently lost
 * (halves waiting for their local step must be rolled back, not forgotten).
 */
export function boundedMerge<T, R>(
  source: Observable<T>,
  project: (item: T) => Task<R>,
  concurrency: number,
  options: BoundedMergeOptions<T, R> = {},
): Observable<R> {
  const passThrough = options.passThrough;
  return new Observable<R>((subscriber) => {
    let active = 0;
    let sourceDone = false;
    let closed = false;
    const buffer: T[] = [];
    const inners = new Set<() => void>();

    const maybeComplete = () => {
      if (sourceDone && active === 0 && buffer.length === 0 && !closed) subscriber.complete();
    };

    // Iterative, so that inners completing synchronously never grow the stack.
    let draining = false;
    const drain = () => {
      if (draining) return;
      draining = true;
      try {
        while (!closed && active < concurrency && buffer.length > 0) start(buffer.shift() as T);
      } finally {
        draining = false;
      }
      pump?.();
    };

    const start = (item: T) => {
      active++;
      let done = false;
      let stop: (() => void) | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        active--;
        if (stop) inners.delete(stop);
        drain();
        maybeComplete();
      };
      stop = project(item)({
        next: (v) => {
          if (!done && !closed) subscriber.next(v);
        },
        error: (e) => {
          if (done || closed) return;
          done = true;
          subscriber.error(e);
        },
        complete: finish,
      });
      if (done) return; // completed synchronously
      if (stop) inners.add(stop);
    };

    /** Every item from the source: passed through at once, started in a free slot, or buffered. */
    const accept = (item: T) => {
      const result = passThrough?.(item);
      if (result !== undefined) subscriber.next(result);
      else if (active < concurrency) start(item);
      else buffer.push(item);
    };

    let pump: (() => void) | undefined;
    let yieldTurn: Subscription | undefined;
    let sourceSub: { unsubscribe(): void } | undefined;
    let iterator: Iterator<T> | AsyncIterator<T> | undefined;
    const makeIterator = pullIterator(source);

    if (makeIterator) {
      const it = makeIterator();
      iterator = it;
      let pulling = 0;
      let pumping = false;
      let yielding = false;
      pump = () => {
        // Re-entrancy guard: a synchronous inner completion calls pump again from start().
        if (pumping || yielding) return;
        pumping = true;
        let pulled = 0;
        try {
          while (!sourceDone && !closed && active + pulling < concurrency) {
            // A synchronous source over a synchronous broker would otherwise run to its end in one
            // task: give the event loop (timers, I/O, the garbage collector) a turn now and then.
            if (++pulled > YIELD_EVERY) {
              yielding = true;
              yieldTurn = asyncScheduler.schedule(() => {
                yielding = false;
                pump?.();
              });
              return;
            }
            let result: IteratorResult<T> | Promise<IteratorResult<T>>;
            try {
              result = it.next();
            } catch (e) {
              subscriber.error(e);
              return;
            }
            if (result instanceof Promise) {
              pulling++;
              result.then(
                (r) => {
                  pulling--;
                  if (closed) return;
                  if (r.done) {
                    sourceDone = true;
                    maybeComplete();
                  } else accept(r.value);
                  pump?.();
                },
                (e) => {
                  pulling--;
                  if (!closed) subscriber.error(e);
                },
              );
            } else if (result.done) {
              sourceDone = true;
              maybeComplete();
            } else {
              accept(result.value);
            }
          }
        } finally {
          pumping = false;
        }
      };
      pump();
    } else {
      sourceSub = source.subscribe({
        next: accept,
        error: (e) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          maybeComplete();
        },
      });
    }

    return () => {
      closed = true;
      yieldTurn?.unsubscribe();
      sourceSub?.unsubscribe();
      if (iterator && !sourceDone) void Promise.resolve(iterator.return?.()).catch(() => {});
      for (const stop of inners) stop();
      inners.clear();
      if (buffer.length > 0) {
        const abandoned = buffer.splice(0);
        options.onAbandoned?.(abandoned);
      }
    };
  });
}
