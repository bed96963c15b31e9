/**
 * Every error rocketmq-rx raises. Each class has a `_tag` to match on, wraps the root error as
 * `cause` (never replacing it), carries the transaction's context, and says whether trying the
 * same thing again may succeed (`retryable`).
 */

/** Where an error happened, as far as it is known. */
export interface ErrorContext {
  readonly topic?: string;
  readonly messageId?: string;
  readonly transactionId?: string;
  /** 1 for the first try. */
  readonly attempt?: number;
}

/** What every error's constructor takes besides its message. */
export interface ErrorOptions {
  /** The root error, kept as `cause`. */
  readonly cause?: unknown;
  readonly context?: ErrorContext;
}

/**
 * Marks every error of this library, whichever copy raised it: the ESM and CommonJS builds are
 * two sets of classes, so `instanceof` fails across them (an application whose dependencies mix
 * `import` and `require`). A registered symbol is the same in both.
 */
const BRAND: unique symbol = Symbol.for('rocketmq-rx/error') as never;

/**
 * The base class: `instanceof RocketMQRxError` matches every error of this copy of the library;
 * `isRocketMQRxError` also those of its other build.
 */
export abstract class RocketMQRxError extends Error {
  abstract readonly _tag: string;
  abstract readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.context = options.context ?? {};
  }

  /** Equal to `_tag`, so that stack traces and `String(error)` name the class. */
  override get name(): string {
    return this._tag;
  }

  /** The brand `isRocketMQRxError` looks for: `Symbol.for('rocketmq-rx/error')`, true. */
  get [BRAND](): true {
    return true;
  }
}

/**
 * True for every error raised by rocketmq-rx, from its ESM or its CommonJS build alike; match on
 * its `_tag` then (`instanceof` a subclass holds only within one build).
 */
export function isRocketMQRxError(error: unknown): error is RocketMQRxError {
  return (
    error instanceof RocketMQRxError ||
    (typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true)
  );
}

// --- input -------------------------------------------------------------------------------------

/** One problem found in an input, with where it was found. */
export interface ValidationIssue {
  /** Path into the input, e.g. `['properties', 'UNIQ_KEY']`. */
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** An input (a message, a configuration) is invalid; `issues` lists every problem found. */
export class ValidationError extends RocketMQRxError {
  readonly _tag = 'ValidationError';
  readonly retryable = false;
  constructor(
    readonly subject: string,
    readonly issues: readonly ValidationIssue[],
    options: ErrorOptions = {},
  ) {
    super(
      `Invalid ${subject}: ${issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ')}`,
      options,
    );
  }
}

/** A message names a topic the producer did not declare when it started (check-backs need it). */
export class UndeclaredTopicError extends RocketMQRxError {
  readonly _tag = 'UndeclaredTopicError';
  readonly retryable = false;
}

// --- broker ------------------------------------------------------------------------------------

/** The broker could not be reached, or the connection broke (gRPC UNAVAILABLE). */
export class BrokerUnavailableError extends RocketMQRxError {
  readonly _tag = 'BrokerUnavailableError';
  readonly retryable = true;
}

/** A request to the broker passed its deadline (gRPC DEADLINE_EXCEEDED, proxy timeout). */
export class BrokerTimeoutError extends RocketMQRxError {
  readonly _tag = 'BrokerTimeoutError';
  readonly retryable = true;
}

/** The broker asks to slow down (RocketMQ 42900, gRPC RESOURCE_EXHAUSTED). */
export class ThrottledError extends RocketMQRxError {
  readonly _tag = 'ThrottledError';
  readonly retryable = true;
}

/** The topic does not exist, or is not a TRANSACTION topic (RocketMQ 40402). */
export class TopicNotFoundError extends RocketMQRxError {
  readonly _tag = 'TopicNotFoundError';
  readonly retryable = false;
}

/** Credentials missing or refused (RocketMQ 401xx/403xx). */
export class UnauthorizedError extends RocketMQRxError {
  readonly _tag = 'UnauthorizedError';
  readonly retryable = false;
}

/** The broker rejected the request as malformed (RocketMQ 400xx, 413xx). */
export class BadRequestError extends RocketMQRxError {
  readonly _tag = 'BadRequestError';
  readonly retryable = false;
}

/**
 * The broker (the 5.x proxy) no longer knows the transaction: it keeps routing data for 30 s
 * after the half was sent. Only a check-back can settle it now.
 */
export class TransactionNotFoundError extends RocketMQRxError {
  readonly _tag = 'TransactionNotFoundError';
  readonly retryable = false;
}

/** Any other broker failure; `retryable` as the transport judged it. */
export class BrokerError extends RocketMQRxError {
  readonly _tag = 'BrokerError';
  readonly retryable: boolean;
  constructor(message: string, options: ErrorOptions & { readonly retryable?: boolean } = {}) {
    super(message, options);
    this.retryable = options.retryable ?? false;
  }
}

/**
 * The broker (or name server) sent bytes that are not a valid remoting frame or message. The
 * connection that carried them is closed, since a byte stream cannot be resynchronised.
 */
export class ProtocolError extends RocketMQRxError {
  readonly _tag = 'ProtocolError';
  readonly retryable = true;
}

/** Connecting to the broker failed or passed its deadline; `cause` holds the root error. */
export class StartupError extends RocketMQRxError {
  readonly _tag = 'StartupError';
  readonly retryable: boolean;
  constructor(message: string, options: ErrorOptions & { readonly retryable?: boolean } = {}) {
    super(message, options);
    this.retryable = options.retryable ?? false;
  }
}

/**
 * An operation was given up because its `AbortSignal` fired; `cause` is the signal's reason.
 * Whatever it had started is released.
 */
export class AbortedError extends RocketMQRxError {
  readonly _tag = 'AbortedError';
  readonly retryable = false;
}

/** The producer is closing or closed; nothing new is sent. */
export class ClosedError extends RocketMQRxError {
  readonly _tag = 'ClosedError';
  readonly retryable = false;
}

// --- local transaction -------------------------------------------------------------------------

/** The local step threw, rejected or errored; the transaction is left `unknown`. */
export class LocalStepError extends RocketMQRxError {
  readonly _tag = 'LocalStepError';
  readonly retryable = false;
}

/** The local step did not answer within its timeout; the transaction is left `unknown`. */
export class LocalStepTimeoutError extends RocketMQRxError {
  readonly _tag = 'LocalStepTimeoutError';
  readonly retryable = false;
}

/** The local step answered something that is not a `TransactionState`. */
export class InvalidStateError extends RocketMQRxError {
  readonly _tag = 'InvalidStateError';
  readonly retryable = false;
  constructor(
    readonly value: unknown,
    options: ErrorOptions = {},
  ) {
    super(`The local step answered ${describe(value)}, which is not commit, rollback or unknown`, options);
  }
}

/** The stream was unsubscribed while the local step ran; the check-back decides. */
export class CancelledError extends RocketMQRxError {
  readonly _tag = 'CancelledError';
  readonly retryable = false;
}

// --- state and check-backs ----------------------------------------------------------------------

/** The state store failed to read or write. */
export class StoreError extends RocketMQRxError {
  readonly _tag = 'StoreError';
  readonly retryable = true;
}

/**
 * The checker given to `answerCheckBacks` threw, rejected, errored, completed without answering,
 * or answered something that is not a `TransactionState`; the check-back was answered `unknown`
 * (the broker asks again).
 */
export class CheckerError extends RocketMQRxError {
  readonly _tag = 'CheckerError';
  readonly retryable = true;
}

/**
 * A check-back found no record for this transaction past `rollbackAbsentAfterMs` and answered
 * `rollback` before the local step could write its record: the step's database transaction was
 * rolled back with it, so the business data and the broker agree.
 */
export class AbsentRollbackError extends RocketMQRxError {
  readonly _tag = 'AbsentRollbackError';
  readonly retryable = false;
}

/**
 * A local step queried its database outside its own transaction where that can only wait for
 * the transaction itself (PGlite's one connection, held by the step): use `tx` inside `work`.
 */
export class SessionDeadlockError extends RocketMQRxError {
  readonly _tag = 'SessionDeadlockError';
  readonly retryable = false;
}

/** A check-back could not be answered in time; it was answered `unknown` (the broker asks again). */
export class CheckBackTimeoutError extends RocketMQRxError {
  readonly _tag = 'CheckBackTimeoutError';
  readonly retryable = true;
}

/** A check-back request lacks what is needed to answer it; it is reported, never thrown. */
export class MalformedCheckBackError extends RocketMQRxError {
  readonly _tag = 'MalformedCheckBackError';
  readonly retryable = false;
  constructor(
    readonly issues: readonly ValidationIssue[],
    options: ErrorOptions = {},
  ) {
    super(
      `Malformed check-back: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      options,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  return typeof value;
}

/** Every error class, for exhaustive matching on `_tag`. */
export type RocketMQRxErrorTag = InstanceType<
  | typeof ValidationError
  | typeof UndeclaredTopicError
  | typeof BrokerUnavailableError
  | typeof BrokerTimeoutError
  | typeof ThrottledError
  | typeof TopicNotFoundError
  | typeof UnauthorizedError
  | typeof BadRequestError
  | typeof TransactionNotFoundError
  | typeof BrokerError
  | typeof ProtocolError
  | typeof StartupError
  | typeof AbortedError
  | typeof ClosedError
  | typeof LocalStepError
  | typeof LocalStepTimeoutError
  | typeof InvalidStateError
  | typeof CancelledError
  | typeof StoreError
  | typeof CheckerError
  | typeof CheckBackTimeoutError
  | typeof AbsentRollbackError
  | typeof SessionDeadlockError
  | typeof MalformedCheckBackError
>['_tag'];

/** True when trying the same operation again may succeed. Unknown errors are not retried. */
export function isRetryable(error: unknown): boolean {
  return isRocketMQRxError(error) && error.retryable === true;
}
