/** What the gRPC transport checks before it reports itself started, and how a failure is typed. */
import { type RocketMQRxError, StartupError, TopicNotFoundError } from '../core/errors.js';
import { mapClientError, rootCause } from './mapClientError.js';
import { type ClientModule, DeadlineError, type Producer } from './rocketmqClient.js';

export async function verifyTopics(
  producer: Producer,
  topics: readonly string[],
  { MessageType }: ClientModule,
) {
  // startup() succeeds when any one declared topic has a route; every one must.
  const client = producer as unknown as {
    getRouteData(topic: string): Promise<{ messageQueues: Array<{ acceptMessageTypesList: number[] }> }>;
  };
  for (const topic of topics) {
    let route: Awaited<ReturnType<typeof client.getRouteData>>;
    try {
      route = await client.getRouteData(topic);
    } catch (error) {
      throw mapClientError(error, { topic });
    }
    const accepts = route.messageQueues.some((q) =>
      q.acceptMessageTypesList.includes(MessageType.TRANSACTION),
    );
    if (!accepts) {
      throw new TopicNotFoundError(
        `Topic ${topic} exists but is not a TRANSACTION topic (message.type=TRANSACTION)`,
        {
          context: { topic },
        },
      );
    }
  }
}

export function startupError(error: unknown, endpoints: string): RocketMQRxError {
  if (error instanceof StartupError) return error;
  const typed = mapClientError(error instanceof DeadlineError ? error : rootCause(error), {});
  return new StartupError(`Could not start the RocketMQ producer at ${endpoints}: ${typed.message}`, {
    cause: typed,
    retryable: typed.retryable,
  });
}
