/** A broker's non-success answer as one of our typed errors; retryable where trying again can help. */
import {
  BadRequestError,
  BrokerError,
  BrokerUnavailableError,
  type ErrorContext,
  type RocketMQRxError,
  ThrottledError,
  TopicNotFoundError,
  TransactionNotFoundError,
  UnauthorizedError,
} from '../core/errors.js';
import { ResponseCode } from './codes.js';
import type { RemotingCommand } from './RemotingCommand.js';

export function responseError(
  response: RemotingCommand,
  what: string,
  context: ErrorContext,
): RocketMQRxError {
  const remark = response.remark ? `: ${response.remark}` : '';
  const message = `${what} failed with code ${response.code}${remark}`;
  const options = { context, cause: { code: response.code, remark: response.remark } };
  switch (response.code) {
    case ResponseCode.SystemBusy:
      return new ThrottledError(message, options);
    case ResponseCode.ServiceNotAvailable:
    case ResponseCode.SlaveNotAvailable:
    case ResponseCode.GoAway:
      return new BrokerUnavailableError(message, options);
    case ResponseCode.NoPermission:
      return new UnauthorizedError(message, options);
    case ResponseCode.TopicNotExist:
      return new TopicNotFoundError(message, options);
    case ResponseCode.MessageIllegal:
    case ResponseCode.RequestCodeNotSupported:
    case ResponseCode.IllegalOperation:
      return new BadRequestError(message, options);
    case ResponseCode.SystemError:
      // The broker answers 1 for many things; two of them are the caller's, not the broker's.
      if (/Find prepared transaction message failed/i.test(response.remark ?? '')) {
        return new TransactionNotFoundError(message, options);
      }
      if (/producer group wrong/i.test(response.remark ?? '')) return new BadRequestError(message, options);
      return new BrokerError(message, { ...options, retryable: true });
    default:
      return new BrokerError(message, { ...options, retryable: false });
  }
}
