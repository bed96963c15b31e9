import type { ObservableInput } from 'rxjs';
import type { TransactionState } from './TransactionState.js';

/**
 * Where local-transaction outcomes are kept so that check-backs are answered from truth. A store
 * shared by every producer of a topic lets any of them answer (the 5.x proxy picks one at random).
 */
export interface StateStore {
  /** Records (or replaces) a transaction's outcome. Emits (any value) or completes once it is durable. */
  save(record: TransactionRecord): ObservableInput<unknown>;
  /** Looks a transaction up by message id; emits the record, or `undefined` when there is none. */
  load(messageId: string): ObservableInput<TransactionRecord | undefined>;
  /**
   * Optional, and what makes `rollbackAbsentAfterMs` sound: decides a check-back that found no
   * record, in one step with the local step's own write, and emits the record as it then stands.
   * A transaction first found absent gets an `unknown` / `absent` marker stamped with the store's
   * clock; once a marker is older than `graceMs` (on that same clock) it becomes `rollback` /
   * `absent`, which no later write replaces — a local step still open then fails to write its
   * record, so its work rolls back. A record written meanwhile is emitted instead. `now` is the
   * caller's clock, for stores that have none of their own.
   */
  fenceAbsent?(absent: AbsentCheck, graceMs: number, now: number): ObservableInput<TransactionRecord>;
}

/** The transaction a check-back asked about and found no record for. */
export interface AbsentCheck {
  readonly messageId: string;
  readonly transactionId: string;
  readonly topic: string;
  /** When the half was sent, when the broker said (only kept, never compared). */
  readonly bornAt?: number;
}

/** One transaction's outcome as stored. */
export interface TransactionRecord {
  readonly messageId: string;
  readonly transactionId: string;
  readonly topic: string;
  readonly state: TransactionState;
  /** Why the state is what it is, e.g. `local-step`, `timeout`, `error`, `cancelled`. */
  readonly reason: RecordReason;
  /** When the half message was sent (ms since the epoch, scheduler clock). */
  readonly sentAt: number;
  /** When this record was written. */
  readonly updatedAt: number;
  /**
   * The W3C trace context the half message carried (its `traceparent` property), so that a
   * check-back answered from the store, or an audit query, can be tied to the transaction's trace.
   * Absent when the message had none.
   */
  readonly traceparent?: string;
  /** The half message's `tracestate` property, when it had one with a `traceparent`. */
  readonly tracestate?: string;
}

/** `record` with the trace context of a half message's properties, when they hold one. */
export function withTraceContext(
  record: TransactionRecord,
  properties: Readonly<Record<string, string>>,
): TransactionRecord {
  const traceparent = properties.traceparent;
  if (traceparent === undefined) return record;
  const tracestate = properties.tracestate;
  return tracestate === undefined ? { ...record, traceparent } : { ...record, traceparent, tracestate };
}

/** Why a record holds its state. */
export const RecordReason = {
  /** The local step answered this state. */
  LocalStep: 'local-step',
  /** The local step passed its timeout. */
  Timeout: 'timeout',
  /** The local step threw, rejected, errored or answered an invalid value. */
  Error: 'error',
  /** The stream was unsubscribed while the local step ran. */
  Cancelled: 'cancelled',
  /**
   * A check-back found no record: `unknown` while within the grace, then `rollback` — the answer
   * given, which no later write replaces (see `StateStore.fenceAbsent`).
   */
  Absent: 'absent',
} as const;
export type RecordReason = (typeof RecordReason)[keyof typeof RecordReason];
