/**
 * The outcome of a local transaction, and the answer to a check-back.
 *
 * - `commit`: the local transaction committed; the message must be delivered.
 * - `rollback`: it rolled back; the message must be dropped.
 * - `unknown`: not known (yet); nothing is sent and the broker checks back later.
 */
export const TransactionState = {
  Commit: 'commit',
  Rollback: 'rollback',
  Unknown: 'unknown',
} as const;

export type TransactionState = (typeof TransactionState)[keyof typeof TransactionState];

/** The two states that end a transaction at the broker. */
export type Resolution = Exclude<TransactionState, 'unknown'>;

const states: ReadonlySet<unknown> = new Set(Object.values(TransactionState));

/** True for the three `TransactionState` strings and nothing else. */
export function isTransactionState(value: unknown): value is TransactionState {
  return states.has(value);
}
