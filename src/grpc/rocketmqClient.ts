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
type Service = typeof import('rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_grpc_pb.js');

/**
 * The longest wait between two connection attempts to a proxy that went away. gRPC's default
 * grows to 120 s; a producer must send its settings to a restarted proxy soon after it is back,
 * since until then the proxy has no channel for its group and the broker's check-backs, which
 * count against `transactionCheckMax`, reach nobody. An attempt every 2 s while a proxy is down
 * costs one refused TCP connect.
 */
export const RECONNECT_BACKOFF_MAX_MS = 2_000;

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
    import('rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_grpc_pb.js'),
  ]).then(
    ([client, proto, service]) => {
      const definition = ((proto as { default?: Definition }).default ?? proto) as Definition;
      boundReconnects(((service as { default?: Service }).default ?? service) as Service);
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

const bounded = Symbol.for('rocketmq-rx.boundedReconnects');

/**
 * The client builds its gRPC stub from this module's export at each connection (with no channel
 * options of its own), so replacing the export is the one place where its channels get a bounded
 * reconnect backoff. Options a caller passes still win; done once per process.
 */
export function boundReconnects(service: Service): void {
  const Original = service.MessagingServiceClient as Service['MessagingServiceClient'] & {
    [bounded]?: true;
  };
  if (Original[bounded]) return;
  type Args = ConstructorParameters<Service['MessagingServiceClient']>;
  const Bounded = class extends Original {
    constructor(address: Args[0], credentials: Args[1], options?: Args[2]) {
      super(address, credentials, { 'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MAX_MS, ...options });
    }
  };
  Object.defineProperty(Bounded, bounded, { value: true });
  (service as { MessagingServiceClient: unknown }).MessagingServiceClient = Bounded;
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
  listenerCount(event: string): number;
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
    stream.removeAllListeners = (...event: [string?]) => {
      // Passed on as given: removeAllListeners(undefined) removes nothing, and the client's
      // release() relies on it removing the other of its 'error'/'end' renewals — with both left,
      // a proxy that is down doubles the streams every second.
      const result = removeAll(...(event as [string]));
      if (stream.listenerCount('error') === 0) stream.on('error', () => {});
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
    listenerCount: () => 0,
    end: () => undefined,
    write: () => undefined,
  };
  return stream;
}
