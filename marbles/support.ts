import { from, map, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Rejected, Resolved } from '../src/core/Transaction.js';
import {
  answerCheckBacks,
  type CheckBack,
  type CheckBackAnswer,
  type CheckerConfig,
  type StateStore,
  type TransactionalMessage,
  TransactionState,
} from '../src/index.js';

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
 * The two ways `answerCheckBacks` finds the truth — a store, or a checker function — share one
 * mechanism underneath; every check-back marble runs on both. The checker path reads the same
 * store through a function, so timings and answers are the same; only where an answer came from
 * (`source`) and the error a failure is wrapped in differ, and `expected` translates those.
 */
export interface AnswerPath {
  readonly name: 'store' | 'checker';
  answer(store: StateStore, config?: CheckerConfig): OperatorFunction<CheckBack, CheckBackAnswer>;
  /** Expected values written for the store path (`'commit:store'`), as this path reports them. */
  expected<T extends Record<string, string>>(values: T): T;
}

const checkerNames: Readonly<Record<string, string>> = {
  store: 'checker',
  absent: 'checker',
  'store-error': 'checker-error',
  StoreError: 'CheckerError',
};

export const answerPaths: readonly AnswerPath[] = [
  {
    name: 'store',
    answer: (store, config) => answerCheckBacks(store, config),
    expected: (values) => values,
  },
  {
    name: 'checker',
    answer: (store, config) =>
      answerCheckBacks(
        (check) => from(store.load(check.messageId)).pipe(map((r) => r?.state ?? TransactionState.Unknown)),
        config,
      ),
    expected: <T extends Record<string, string>>(values: T) =>
      Object.fromEntries(
        Object.entries(values).map(([k, v]) => [
          k,
          v
            .split(':')
            .map((part) => checkerNames[part] ?? part)
            .join(':'),
        ]),
      ) as T,
  },
];

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
