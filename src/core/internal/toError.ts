import { BrokerError, RocketMQRxError } from '../errors.js';

/** Our errors as they are; anything else wrapped, never replaced, as a non-retryable BrokerError. */
export function brokerError(error: unknown, context: RocketMQRxError['context']): RocketMQRxError {
  if (error instanceof RocketMQRxError) return error;
  return new BrokerError(error instanceof Error ? error.message : String(error), { cause: error, context });
}
