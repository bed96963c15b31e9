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

function fromRocketMQCode(code: number, message: string, options: { cause: unknown; context: ErrorContext }) {
  const family = Math.floor(code / 100);
  if (code === 40402 || (family === 404 && /topic/i.test(message)))
    return new TopicNotFoundError(message, options);
  if (code === 40010 || code === 40011) return new TransactionNotFoundError(message, options);
  if (family === 401 || family === 403) return new UnauthorizedError(message, options);
  if (family === 429) return new ThrottledError(message, options);
  if (family === 504 || family === 408) return new BrokerTimeoutError(message, options);
  if (family === 500 || family === 503) return new BrokerError(message, { ...options, retryable: true });
  return new BadRequestError(message, options); // 400xx, 404xx, 413xx, 431xx, 501xx …
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
