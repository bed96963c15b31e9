/**
 * The official client used directly, for tests that pin down what the real broker does
 * independently of our adapter, and for the consumer side of end-to-end tests.
 */
import { type MessageView, Producer } from 'rocketmq-client-nodejs';
import definition from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';

export const Resolution = definition.TransactionResolution;
export type Resolution = (typeof Resolution)[keyof typeof Resolution];
export const Source = definition.TransactionSource;

/** The client's default logger writes under ~/logs and is closed by shutdown(); never use it. */
export const silentLogger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
};

export async function startTransactionalProducer(
  endpoints: string,
  topics: string[],
  check: (view: MessageView) => Promise<Resolution | null>,
): Promise<Producer> {
  const producer = new Producer({
    endpoints,
    namespace: '',
    topics,
    logger: silentLogger,
    checker: { check: check as (view: MessageView) => Promise<Resolution> },
  });
  await producer.startup();
  return producer;
}

export { type Received, startCollector } from '../../examples/support/collect.js';
