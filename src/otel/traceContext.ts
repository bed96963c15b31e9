import { type SpanContext, TraceFlags, trace } from '@opentelemetry/api';

/** W3C `traceparent`: version 00, 32 hex trace id, 16 hex span id, 2 hex flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The creation context a message carries in its W3C `traceparent` / `tracestate` properties
 * (written by `rocketmq-rx` at the half send, or by any W3C-propagating producer), or undefined.
 * Use it to parent or link your own work on the transaction that sent the message.
 */
export function creationContext(
  properties: Readonly<Record<string, string | undefined>> | undefined,
): SpanContext | undefined {
  return parseTraceContext(properties?.traceparent, properties?.tracestate);
}

export function parseTraceContext(
  traceparent: string | undefined,
  tracestate: string | undefined,
): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m) return undefined;
  const context: SpanContext = {
    traceId: m[1] as string,
    spanId: m[2] as string,
    traceFlags: Number.parseInt(m[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (!trace.isSpanContextValid(context)) return undefined;
  // The trace state is kept as given; it only travels, nothing here reads it.
  return tracestate ? { ...context, traceState: rawTraceState(tracestate) } : context;
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A TraceState that only carries its text (we never edit another vendor's entries). */
function rawTraceState(text: string) {
  const state = {
    set: () => state,
    unset: () => state,
    get: () => undefined,
    serialize: () => text,
  };
  return state;
}
