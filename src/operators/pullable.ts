import { from, type Observable } from 'rxjs';

const pullSymbol: unique symbol = Symbol('rocketmq-rx.pullable');

/**
 * An Observable over an iterable or async iterable that rocketmq-rx's operators pull from on
 * demand: they take the next item only when a transaction slot is free, so an endless source runs
 * in flat memory. Subscribed by any other operator, it behaves like `from(iterable)`.
 */
export type Pullable<T> = Observable<T> & {
  /** The source's iterator factory, for the operators to pull on demand. */
  readonly [pullSymbol]: () => Iterator<T> | AsyncIterator<T>;
};

/**
 * Wraps an iterable (an array, a generator) or an async iterable (a cursor, a paginated API) so
 * that `transactional` and the other operators pull it no faster than they process it.
 *
 * @example
 * ```ts
 * import { pullable, transactional } from 'rocketmq-rx';
 *
 * function* orders() { for (let i = 0; ; i++) yield { topic: 'Orders', body: `order ${i}` }; }
 * pullable(orders()).pipe(transactional(broker, saveOrder, { concurrency: 64 })).subscribe();
 * ```
 */
export function pullable<T>(source: Iterable<T> | AsyncIterable<T>): Pullable<T> {
  const observable = from(source) as Observable<T> as Pullable<T> & { [pullSymbol]?: unknown };
  const iterate = () =>
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
  Object.defineProperty(observable, pullSymbol, { value: iterate });
  return observable as Pullable<T>;
}

/** The iterator factory of a `pullable`, or undefined for any other Observable. */
export function pullIterator<T>(source: Observable<T>): (() => Iterator<T> | AsyncIterator<T>) | undefined {
  return (source as Partial<Pullable<T>>)[pullSymbol];
}
