import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Rejected, Resolved } from '../src/core/Transaction.js';
import type { TransactionalMessage } from '../src/index.js';

/**
 * A fresh TestScheduler per test; errors compare by name and message (their stacks differ),
 * everything else deeply.
 */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(normalize(actual)).toEqual(normalize(expected));
  });
}

function normalize(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** A message whose body is its name, for readable expectations. */
export function msg(name: string, topic = 'Orders'): TransactionalMessage {
  return { topic, body: name };
}

const decoder = new TextDecoder();

/** `"A:committed"`, `"B:left-to-check-back:LocalStepTimeoutError"`, `"x:rejected:ValidationError"`. */
export function label(value: Resolved | Rejected): string {
  if (value._tag === 'Rejected') {
    const body = (value.input as { body?: unknown })?.body;
    return `${typeof body === 'string' ? body : '?'}:rejected:${value.error._tag}`;
  }
  const body = decoder.decode(value.local.half.message.body);
  const cause = value.cause ?? value.local.cause;
  return [body, value.fate, ...(cause ? [cause._tag] : [])].join(':');
}

/**
 * A Promise-like that settles with `value` at frame `at` of the TestScheduler: a Promise step in
 * virtual time (a real Promise would settle on a microtask, outside the scheduler's frames).
 */
export function settlesAt<T>(scheduler: TestScheduler, at: number, value: T): PromiseLike<T> {
  return {
    // biome-ignore lint/suspicious/noThenProperty: this is the Promise-like, on purpose
    then<A = T, B = never>(
      onFulfilled?: ((v: T) => A | PromiseLike<A>) | null,
      _onRejected?: ((e: unknown) => B | PromiseLike<B>) | null,
    ): PromiseLike<A | B> {
      scheduler.schedule(() => onFulfilled?.(value), Math.max(0, at - scheduler.now()));
      return settlesAt(scheduler, at, undefined as unknown as A);
    },
  };
}
