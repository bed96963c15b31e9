import type { CheckBack } from './BrokerPort.js';
import type { RecordReason, TransactionRecord } from './StateStore.js';
import type { Fate } from './Transaction.js';
import type { ValidMessage } from './TransactionalMessage.js';
import type { Resolution, TransactionState } from './TransactionState.js';

/**
 * Where rocketmq-rx reports what it does, for tracing and metrics. The core only calls this
 * interface; `rocketmq-rx/otel` implements it over OpenTelemetry, and anything else can too.
 *
 * Every time (`at`) is in ms on the clock of the operator that reports it — its scheduler, so
 * under a TestScheduler durations are virtual time. A disabled telemetry (`enabled: false`) is
 * never called: callers test the flag first and build nothing, which keeps the default free.
 * Implementations must not throw: a failing exporter must never fail a transaction.
 */
export interface Telemetry {
  readonly enabled: boolean;
  /** A valid message is about to be sent as a half: one transaction begins. */
  transaction(message: ValidMessage, at: number): TransactionTrace;
  /** A check-back was accepted for answering. */
  checkBack(check: CheckBack, at: number): CheckBackTrace;
  /** A consumer's receive returned `count` messages (empty receives are reported too). */
  received(receive: ReceiveInfo, messages: readonly ConsumedMessage[], startedAt: number, at: number): void;
  /** A received message is handed to its handler. */
  process(message: ConsumedMessage, consumerGroup: string, at: number): ProcessTrace;
  /** A state store finished a save or a load. */
  storeOperation(operation: StoreOperation): void;
  /** A store dropped a record to make room (the memory store's ring). */
  storeEvicted(kind: string, state: TransactionState): void;
  /** The transport left a check-back unanswered: shed, over its limit of checks waiting. */
  checkBackDropped(topic: string, reason: 'shed'): void;
}

/** One transaction, from the half send to its fate. Calls come in this order, each at most once. */
export interface TransactionTrace {
  /**
   * The properties to send with the half: the message's own plus the trace context of the send
   * (W3C `traceparent`/`tracestate`), unless the message carries a `traceparent` already.
   */
  halfProperties(properties: Readonly<Record<string, string>>): Readonly<Record<string, string>>;
  /** An attempt failed with a retryable error and will be tried again. */
  retried(operation: 'send' | 'commit' | 'rollback', error: unknown, attempt: number, at: number): void;
  /** The broker stored the half. */
  sent(messageId: string, transactionId: string, attempts: number, at: number): void;
  /** The half was never stored (the send failed for good): the transaction ends here. */
  sendFailed(error: unknown, attempts: number, at: number): void;
  /** Runs the user's local step (synchronous part) in the local step's context. */
  runStep<T>(step: () => T, at: number): T;
  /** The local step's outcome is known. */
  localEnded(state: TransactionState, reason: RecordReason, cause: unknown, at: number): void;
  /** The end call starts (not for `unknown`). */
  endStarted(resolution: Resolution, at: number): void;
  /** The fate is known: the transaction ends. */
  ended(fate: Fate, attempts: number, cause: unknown, at: number): void;
}

/** Where a check-back's answer came from (the values of `AnswerSource`). */
export type CheckBackSource =
  | 'store'
  | 'absent'
  | 'absent-expired'
  | 'timeout'
  | 'store-error'
  | 'checker'
  | 'checker-error';

/** One check-back, from its arrival to the answer. */
export interface CheckBackTrace {
  /** The answer is decided (by the store lookup or the checker); the end call, if any, follows. */
  decided(
    state: TransactionState,
    source: CheckBackSource,
    record: TransactionRecord | undefined,
    at: number,
  ): void;
  /** The end call the answer makes (commit or rollback) starts. */
  endStarted(resolution: Resolution, at: number): void;
  /** The answer was sent (or, for `unknown`, decided); `error` when sending it failed. */
  answered(unknownCount: number, error: unknown, at: number): void;
}

/** What a consumer asked for. */
export interface ReceiveInfo {
  readonly topic: string;
  readonly consumerGroup: string;
}

/** A received message as telemetry sees it. */
export interface ConsumedMessage {
  readonly messageId: string;
  readonly topic: string;
  readonly tag?: string;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly deliveryAttempt: number;
  /** When the producer sent it (ms since the epoch), when known. */
  readonly bornAt?: number;
}

/** One message's handling, then its acknowledgement. */
export interface ProcessTrace {
  /** Runs the handler (synchronous part) in the process span's context. */
  run<T>(handler: () => T): T;
  /** The handler succeeded (`error` undefined) or failed. */
  processed(error: unknown, at: number): void;
  /** The ack of a handled message starts. */
  ackStarted(at: number): void;
  /** The ack finished (`error` when it failed). */
  ackEnded(error: unknown, at: number): void;
}

/** One store call. */
export interface StoreOperation {
  /** `memory`, `sql` (PGlite and PostgreSQL), or a custom store's name. */
  readonly kind: string;
  readonly operation: 'save' | 'load';
  readonly startedAt: number;
  readonly at: number;
  readonly error?: unknown;
}

/** The default: reports nothing and is never called. */
export const noopTelemetry: Telemetry = {
  enabled: false,
  transaction: () => NOOP_TRANSACTION,
  checkBack: () => NOOP_CHECK_BACK,
  received() {},
  process: () => NOOP_PROCESS,
  storeOperation() {},
  storeEvicted() {},
  checkBackDropped() {},
};

const NOOP_TRANSACTION: TransactionTrace = {
  halfProperties: (properties) => properties,
  retried() {},
  sent() {},
  sendFailed() {},
  runStep: (step) => step(),
  localEnded() {},
  endStarted() {},
  ended() {},
};
const NOOP_CHECK_BACK: CheckBackTrace = { decided() {}, endStarted() {}, answered() {} };
const NOOP_PROCESS: ProcessTrace = {
  run: (handler) => handler(),
  processed() {},
  ackStarted() {},
  ackEnded() {},
};

// Kept on globalThis under a registered symbol, so the ESM and CommonJS builds loaded in one
// process share one setting.
const KEY = Symbol.for('rocketmq-rx.telemetry');
type Holder = { [KEY]?: Telemetry };

/**
 * Sets the telemetry every operator, store, transport and consumer created from now on uses when
 * its config names none. Returns the previous one. `useTelemetry(noopTelemetry)` turns it off.
 */
export function useTelemetry(telemetry: Telemetry): Telemetry {
  const previous = currentTelemetry();
  (globalThis as Holder)[KEY] = telemetry;
  return previous;
}

/** The telemetry set by `useTelemetry`, else the no-op. */
export function currentTelemetry(): Telemetry {
  return (globalThis as Holder)[KEY] ?? noopTelemetry;
}

/** The telemetry a component uses: its own setting, else the process-wide one; undefined when off. */
export function activeTelemetry(own: Telemetry | undefined): Telemetry | undefined {
  const t = own ?? currentTelemetry();
  return t.enabled ? t : undefined;
}
