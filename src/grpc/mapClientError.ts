import { match } from 'ts-pattern';
import {
  BadRequestError,
  BrokerError,
  BrokerTimeoutError,
  BrokerUnavailableError,
  ClosedError,
  type ErrorContext,
  RocketMQRxError,
  ThrottledError,
  TopicNotFoundError,
  TransactionNotFoundError,
  UnauthorizedError,
} from '../core/errors.js';

/**
 * Maps what rocketmq-client-nodejs throws — raw grpc-js errors (numeric gRPC `code`), its
 * `ClientException`s (RocketMQ codes such as 40402), client-side `TypeError`s and plain `Error`s —
 * to our typed errors with a `retryable` flag. The original is always kept as `cause`. Duck-typed,
 * so this module does not import the client.
 */
export function mapClientError(error: unknown, context: ErrorContext = {}): RocketMQRxError {
  if (error instanceof RocketMQRxError) return error;
  const root = error instanceof Error ? error : new Error(String(error));
  const message = root.message;
  const options = { cause: error, context };
  const code = (error as { code?: unknown } | null)?.code;

  if (/cannot found transaction data|transaction data not found|invalid transaction id/i.test(message)) {
    return new TransactionNotFoundError(`The broker no longer knows this transaction: ${message}`, options);
  }
  if (typeof code === 'number' && code >= 10_000) return fromRocketMQCode(code, message, options);
  if (typeof code === 'number') return fromGrpcCode(code, message, options);
  if (/not running/i.test(message))
    return new ClosedError(`The producer is not running: ${message}`, options);
  if (error instanceof TypeError || root.name === 'AssertionError')
    return new BadRequestError(message, options);
  return new BrokerError(message, { ...options, retryable: false });
}

/** How the library treats one answer code of the proxy. */
const Treat = {
  BadRequest: 'bad-request',
  TopicNotFound: 'topic-not-found',
  TransactionNotFound: 'transaction-not-found',
  Unauthorized: 'unauthorized',
  Throttled: 'throttled',
  Timeout: 'timeout',
  /** The broker failed and may not the next time. */
  BrokerRetryable: 'broker-retryable',
  /** The broker cannot do this, however often it is asked. */
  BrokerFinal: 'broker-final',
} as const;
type Treat = (typeof Treat)[keyof typeof Treat];

/**
 * Every code of apache.rocketmq.v2.Code (proto `definition.proto`) a 5.x proxy answers on send,
 * end, receive, ack or extend, with how it is treated. A code missing here (a newer proxy) is
 * treated by its family (the first three digits), as the proto groups them.
 */
export const PROXY_CODES: Readonly<Record<number, Treat>> = {
  40000: Treat.BadRequest, // BAD_REQUEST
  40001: Treat.BadRequest, // ILLEGAL_ACCESS_POINT
  40002: Treat.BadRequest, // ILLEGAL_TOPIC (also: a system topic)
  40003: Treat.BadRequest, // ILLEGAL_CONSUMER_GROUP
  40004: Treat.BadRequest, // ILLEGAL_MESSAGE_TAG
  40005: Treat.BadRequest, // ILLEGAL_MESSAGE_KEY
  40006: Treat.BadRequest, // ILLEGAL_MESSAGE_GROUP
  40007: Treat.BadRequest, // ILLEGAL_MESSAGE_PROPERTY_KEY (names and values)
  40008: Treat.TransactionNotFound, // INVALID_TRANSACTION_ID: this end call can never succeed
  40009: Treat.BadRequest, // ILLEGAL_MESSAGE_ID
  40010: Treat.BadRequest, // ILLEGAL_FILTER_EXPRESSION
  40011: Treat.BadRequest, // ILLEGAL_INVISIBLE_TIME
  40012: Treat.BadRequest, // ILLEGAL_DELIVERY_TIME
  40013: Treat.BadRequest, // INVALID_RECEIPT_HANDLE: expired, or replaced by an extension
  40014: Treat.BadRequest, // MESSAGE_PROPERTY_CONFLICT_WITH_TYPE
  40015: Treat.BadRequest, // UNRECOGNIZED_CLIENT_TYPE
  40016: Treat.BadRequest, // MESSAGE_CORRUPTED
  40017: Treat.BadRequest, // CLIENT_ID_REQUIRED
  40018: Treat.BadRequest, // ILLEGAL_POLLING_TIME
  40100: Treat.Unauthorized, // UNAUTHORIZED
  40200: Treat.Unauthorized, // PAYMENT_REQUIRED
  40300: Treat.Unauthorized, // FORBIDDEN
  40400: Treat.BadRequest, // NOT_FOUND (a topic, when the message says so: see below)
  40401: Treat.BrokerRetryable, // MESSAGE_NOT_FOUND: nothing yet, ask again
  40402: Treat.TopicNotFound, // TOPIC_NOT_FOUND
  40403: Treat.BadRequest, // CONSUMER_GROUP_NOT_FOUND
  40404: Treat.BadRequest, // OFFSET_NOT_FOUND
  40800: Treat.Timeout, // REQUEST_TIMEOUT
  41300: Treat.BadRequest, // PAYLOAD_TOO_LARGE
  41301: Treat.BadRequest, // MESSAGE_BODY_TOO_LARGE
  41302: Treat.BadRequest, // MESSAGE_BODY_EMPTY
  42800: Treat.BadRequest, // PRECONDITION_FAILED
  42900: Treat.Throttled, // TOO_MANY_REQUESTS (also: the proxy's receive queue is full)
  43100: Treat.BadRequest, // REQUEST_HEADER_FIELDS_TOO_LARGE
  43101: Treat.BadRequest, // MESSAGE_PROPERTIES_TOO_LARGE
  50000: Treat.BrokerRetryable, // INTERNAL_ERROR
  50001: Treat.BrokerRetryable, // INTERNAL_SERVER_ERROR (also: transaction data not found, see below)
  50002: Treat.BrokerRetryable, // HA_NOT_AVAILABLE
  50100: Treat.BrokerFinal, // NOT_IMPLEMENTED
  50400: Treat.Timeout, // PROXY_TIMEOUT
  50401: Treat.Timeout, // MASTER_PERSISTENCE_TIMEOUT
  50402: Treat.Timeout, // SLAVE_PERSISTENCE_TIMEOUT
  50500: Treat.BrokerFinal, // UNSUPPORTED
  50501: Treat.BrokerFinal, // VERSION_UNSUPPORTED
  50502: Treat.BrokerFinal, // VERIFY_FIFO_MESSAGE_UNSUPPORTED
  60000: Treat.BrokerFinal, // FAILED_TO_CONSUME_MESSAGE
};

/** A code the table does not know, by its family. */
function byFamily(code: number): Treat {
  const family = Math.floor(code / 100);
  if (family === 401 || family === 402 || family === 403) return Treat.Unauthorized;
  if (family === 429) return Treat.Throttled;
  if (family === 408 || family === 504) return Treat.Timeout;
  if (family === 500 || family === 503) return Treat.BrokerRetryable;
  if (family === 501 || family === 505 || family === 600) return Treat.BrokerFinal;
  return Treat.BadRequest; // 400xx, 404xx, 413xx, 428xx, 431xx …
}

function fromRocketMQCode(code: number, message: string, options: { cause: unknown; context: ErrorContext }) {
  let treat = PROXY_CODES[code] ?? byFamily(code);
  // NOT_FOUND says what was not found only in its message.
  if (treat === Treat.BadRequest && Math.floor(code / 100) === 404 && /topic/i.test(message))
    treat = Treat.TopicNotFound;
  return match(treat)
    .with(Treat.BadRequest, () => new BadRequestError(message, options))
    .with(Treat.TopicNotFound, () => new TopicNotFoundError(message, options))
    .with(
      Treat.TransactionNotFound,
      () => new TransactionNotFoundError(`The broker no longer knows this transaction: ${message}`, options),
    )
    .with(Treat.Unauthorized, () => new UnauthorizedError(message, options))
    .with(Treat.Throttled, () => new ThrottledError(message, options))
    .with(Treat.Timeout, () => new BrokerTimeoutError(message, options))
    .with(Treat.BrokerRetryable, () => new BrokerError(message, { ...options, retryable: true }))
    .with(Treat.BrokerFinal, () => new BrokerError(message, { ...options, retryable: false }))
    .exhaustive();
}

/** gRPC status codes: https://grpc.github.io/grpc/core/md_doc_statuscodes.html */
function fromGrpcCode(code: number, message: string, options: { cause: unknown; context: ErrorContext }) {
  switch (code) {
    case 1: // CANCELLED: the connection went away under the call
    case 14: // UNAVAILABLE
      return new BrokerUnavailableError(message, options);
    case 4: // DEADLINE_EXCEEDED
      return new BrokerTimeoutError(message, options);
    case 8: // RESOURCE_EXHAUSTED
      return new ThrottledError(message, options);
    case 7: // PERMISSION_DENIED
    case 16: // UNAUTHENTICATED
      return new UnauthorizedError(message, options);
    case 5: // NOT_FOUND
      return new TopicNotFoundError(message, options);
    case 13: // INTERNAL: also what a non-gRPC port answers
    case 2: // UNKNOWN
      return new BrokerError(message, { ...options, retryable: true });
    default:
      return new BrokerError(message, { ...options, retryable: false });
  }
}

/** The innermost `cause` of an error chain: startup failures arrive two levels deep. */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 10; i++) {
    const next = (current as { cause?: unknown } | null)?.cause;
    if (next === undefined || next === null) return current;
    current = next;
  }
  return current;
}
