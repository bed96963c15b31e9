import type { Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Instruments } from './instruments.js';
import { attr, errorType } from './semconv.js';

/** What every trace of one telemetry shares. */
export interface Setup {
  readonly tracer: () => Tracer;
  readonly instruments: () => Instruments;
  readonly namespace: string;
  readonly checkMax: number;
  readonly processParent: 'link' | 'message';
  /** Per-topic attribute objects, built once: most attribute sets differ only by topic. */
  readonly topicAttributes: (topic: string) => Attributes;
}

export function topicCache(namespace: string): (topic: string) => Attributes {
  const cache = new Map<string, Attributes>();
  return (topic) => {
    let a = cache.get(topic);
    if (!a) {
      a = Object.freeze({
        [attr.system]: 'rocketmq',
        [attr.destination]: topic,
        [attr.namespace]: namespace,
      });
      if (cache.size < 1_000) cache.set(topic, a);
    }
    return a;
  };
}

/** Marks a span failed with `error.type` and the error's message (errors are recorded on failure only). */
export function failSpan(span: Span, error: unknown): string {
  const type = errorType(error);
  span.setAttribute(attr.errorType, type);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  return type;
}

export function withError(attributes: Attributes, type: string | undefined): Attributes {
  return type === undefined ? attributes : { ...attributes, [attr.errorType]: type };
}

export const seconds = (fromMs: number, toMs: number): number => Math.max(0, toMs - fromMs) / 1000;

export function links(context: SpanContext | undefined) {
  return context ? [{ context }] : [];
}

export type { Context };
