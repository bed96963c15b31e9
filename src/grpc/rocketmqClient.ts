/**
 * The one module that imports rocketmq-client-nodejs: the client's classes and enums, and the
 * guards every client instance of ours needs (see client-side defects noted on each).
 */
import { format } from 'node:util';
import type * as Client from 'rocketmq-client-nodejs';
import { StartupError } from '../core/errors.js';
import { type Logger, wants } from '../core/Logger.js';

export type { MessageView, Producer, SimpleConsumer } from 'rocketmq-client-nodejs';

type Definition = typeof import('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js');

/** What the transport and the consumer use of the client. */
export interface ClientModule {
  readonly Producer: typeof Client.Producer;
  readonly SimpleConsumer: typeof Client.SimpleConsumer;
  readonly MessageView: typeof Client.MessageView;
  readonly UserAgent: typeof Client.UserAgent;
  readonly TransactionResolution: Definition['TransactionResolution'];
  readonly TransactionSource: Definition['TransactionSource'];
  readonly MessageType: Definition['MessageType'];
}

let loading: Promise<ClientModule> | undefined;

/**
 * Loads the client on first use. Its gRPC and protobuf stack costs about 35 MB of memory and a
 * noticeable start-up time, which a program that only uses the virtual broker (tests, users'
 * marble tests) should not pay for by importing "rocketmq-rx". Fails with a `StartupError`; a
 * later call tries again.
 */
export function loadClient(): Promise<ClientModule> {
  loading ??= Promise.all([
    import('rocketmq-client-nodejs'),
    // Not exported from the client's root; the proto module is CommonJS (default import).
    import('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js'),
  ]).then(
    ([client, proto]) => {
      const definition = ((proto as { default?: Definition }).default ?? proto) as Definition;
      return {
        Producer: client.Producer,
        SimpleConsumer: client.SimpleConsumer,
        MessageView: client.MessageView,
        UserAgent: client.UserAgent,
        TransactionResolution: definition.TransactionResolution,
        TransactionSource: definition.TransactionSource,
        MessageType: definition.MessageType,
      };
    },
    (error: unknown) => {
      loading = undefined;
      throw new StartupError(`Could not load rocketmq-client-nodejs: ${String(error)}`, {
        cause: error,
        retryable: false,
      });
    },
  );
  return loading;
}

export class DeadlineError extends Error {
  readonly code = 4; // reported as gRPC DEADLINE_EXCEEDED
}

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The client logs printf-style (`'… attempt=%d, error=%s', n, err`): Node's own formatter reads
 * every directive (`%o %i %%` too), appends extra arguments and keeps an error's stack.
 */
export function clientLogger(logger: Logger) {
  const text = (args: unknown[]) => format(...args);
  const none = () => {};
  // The client's info chatter (every send, every end call) is our debug level.
  const debug = wants(logger, 'debug')
    ? (...args: unknown[]) => logger.debug(`rocketmq-client: ${text(args)}`)
    : none;
  const warn = wants(logger, 'warn')
    ? (...args: unknown[]) => logger.warn(`rocketmq-client: ${text(args)}`)
    : none;
  return { debug, info: debug, warn, error: warn };
}

interface TelemetryStream {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  end(): unknown;
  write(command: unknown): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface RecoverCommand {
  getTransactionId?(): string;
  getMessage?(): {
    getSystemProperties?(): { getMessageId?(): string } | undefined;
    getTopic?(): { getName?(): string } | undefined;
  } & ConstructorParameters<typeof Client.MessageView>[0];
}

/**
 * Instance-level guards against the client's lifecycle defects:
 * - shutdown() stops at notifyClientTermination when the broker is down and never releases its
 *   streams and channels (the reconnect loop then keeps the process alive): the notification is
 *   made best-effort and bounded;
 * - a telemetry stream renewed by a reconnect timer after shutdown would register again and could
 *   still answer check-backs: after release, new streams are inert;
 * - a released stream can emit a late gRPC error ("1 CANCELLED") with no listener, an uncaught
 *   exception: released streams keep a listener that swallows it.
 */
export function guardClient(producer: Client.Producer | Client.SimpleConsumer, logger: Logger) {
  const p = producer as unknown as {
    rpcClientManager: { notifyClientTermination: (...args: unknown[]) => Promise<unknown>; close(): void };
    createTelemetryStream: (endpoints: unknown) => TelemetryStream;
    onRecoverOrphanedTransactionCommand: (endpoints: unknown, command: RecoverCommand) => unknown;
  };
  let released = false;
  const notify = p.rpcClientManager.notifyClientTermination.bind(p.rpcClientManager);
  p.rpcClientManager.notifyClientTermination = async (...args: unknown[]) => {
    try {
      return await withDeadline(notify(...args), 3_000, 'notifyClientTermination');
    } catch (error) {
      logger.debug('notifyClientTermination failed (ignored while closing)', { error: String(error) });
      return undefined;
    }
  };
  const createStream = p.createTelemetryStream.bind(producer);
  p.createTelemetryStream = (endpoints: unknown) => {
    if (released) return inertStream();
    const stream = createStream(endpoints);
    const removeAll = stream.removeAllListeners.bind(stream);
    stream.removeAllListeners = (event?: string) => {
      const result = removeAll(event);
      stream.on('error', () => {});
      return result;
    };
    return stream;
  };
  return {
    onCheck(handler: (endpoints: unknown, command: RecoverCommand) => void) {
      p.onRecoverOrphanedTransactionCommand = (endpoints, command) => {
        if (released) return;
        try {
          handler(endpoints, command);
        } catch (error) {
          logger.error('check-back handling failed', { error: String(error) });
        }
      };
    },
    async release(timeoutMs: number) {
      if (released) return;
      try {
        await withDeadline(producer.shutdown(), Math.max(timeoutMs, 1_000), 'shutdown');
      } catch (error) {
        logger.warn('shutdown did not finish cleanly; closing connections directly', {
          error: String(error),
        });
        try {
          p.rpcClientManager.close();
        } catch {
          // already closed
        }
      } finally {
        released = true;
      }
    },
  };
}

function inertStream(): TelemetryStream {
  const stream: TelemetryStream = {
    on: () => stream,
    once: () => stream,
    removeAllListeners: () => stream,
    end: () => undefined,
    write: () => undefined,
  };
  return stream;
}
