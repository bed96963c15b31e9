import { type MeterProvider, type TracerProvider, trace } from '@opentelemetry/api';
import type { Telemetry } from '../core/Telemetry.js';
import { checkBackTrace } from './checkBackTrace.js';
import { traceProcess, traceReceive } from './consumerTrace.js';
import { lazyInstruments } from './instruments.js';
import { attr, errorType } from './semconv.js';
import { type Setup, topicCache, withError } from './setup.js';
import { transactionTrace } from './transactionTrace.js';

export interface OtelTelemetryOptions {
  /** Where spans go. Default: the global tracer provider (a proxy: an SDK registered later is used). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go. Default: the global meter provider, looked up again until an SDK registers one. */
  readonly meterProvider?: MeterProvider;
  /** `messaging.rocketmq.namespace` on every span and metric. Default `''`. */
  readonly namespace?: string;
  /**
   * The broker's `transactionCheckMax` (checks before a half is discarded, never delivered): an
   * `unknown` answered at or past it counts as a presumed discard. Default 15 (the server's default).
   */
  readonly transactionCheckMax?: number;
  /**
   * The process span's parent: `'link'` (default) keeps the ambient context as parent and links to
   * the message's creation context; `'message'` makes the creation context the parent.
   */
  readonly processParent?: 'link' | 'message';
}

const NAME = 'rocketmq-rx';
const VERSION = '0.1.0';

/**
 * The OpenTelemetry implementation of rocketmq-rx's telemetry hook: spans after the messaging
 * semantic conventions, the transaction metrics, and the trace context carried in the half
 * message across check-backs. Install it for the whole process with `useTelemetry`, or pass it as
 * `telemetry` to one operator, store, transport or consumer.
 *
 * @example
 * ```ts
 * import { useTelemetry } from 'rocketmq-rx';
 * import { otelTelemetry } from 'rocketmq-rx/otel';
 *
 * useTelemetry(otelTelemetry({ namespace: 'prod' }));
 * ```
 */
export function otelTelemetry(options: OtelTelemetryOptions = {}): Telemetry {
  const namespace = options.namespace ?? '';
  let tracer: ReturnType<TracerProvider['getTracer']> | undefined;
  const setup: Setup = {
    tracer: () => {
      tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME, VERSION);
      return tracer;
    },
    instruments: lazyInstruments(options.meterProvider, NAME, VERSION),
    namespace,
    checkMax: options.transactionCheckMax ?? 15,
    processParent: options.processParent ?? 'link',
    topicAttributes: topicCache(namespace),
  };
  const storeAttributes = (kind: string, operation: string) => ({
    [attr.storeKind]: kind,
    [attr.storeOperation]: operation,
  });
  return {
    enabled: true,
    transaction: (message, at) => transactionTrace(setup, message, at),
    checkBack: (check, at) => checkBackTrace(setup, check, at),
    received: (info, messages, startedAt, at) => traceReceive(setup, info, messages, startedAt, at),
    process: (message, group, at) => traceProcess(setup, message, group, at),
    storeOperation(op) {
      setup
        .instruments()
        .storeDuration.record(
          Math.max(0, op.at - op.startedAt) / 1000,
          withError(
            storeAttributes(op.kind, op.operation),
            op.error === undefined ? undefined : errorType(op.error),
          ),
        );
    },
    storeEvicted(kind, state) {
      setup.instruments().evictedRecords.add(1, { [attr.storeKind]: kind, [attr.state]: state });
    },
    checkBackDropped(topic, reason) {
      setup
        .instruments()
        .droppedCheckBacks.add(1, { ...setup.topicAttributes(topic), [attr.dropReason]: reason });
    },
  };
}
