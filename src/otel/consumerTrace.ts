import { type Attributes, context, type Link, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { ConsumedMessage, ProcessTrace, ReceiveInfo } from '../core/Telemetry.js';
import { attr } from './semconv.js';
import { failSpan, type Setup, seconds, withError } from './setup.js';
import { creationContext } from './traceContext.js';

function consumerAttributes(
  setup: Setup,
  topic: string,
  group: string,
  operation: string,
  type: string,
): Attributes {
  return {
    ...setup.topicAttributes(topic),
    [attr.consumerGroup]: group,
    [attr.operationName]: operation,
    [attr.operationType]: type,
  };
}

/**
 * `receive {topic}` (CLIENT), linked to each message's creation context. Only receives that
 * brought messages make a span: a consumer with nothing to do long-polls all day, and a span per
 * empty poll would bury the ones that matter. Every delivery is counted.
 */
export function traceReceive(
  setup: Setup,
  info: ReceiveInfo,
  messages: readonly ConsumedMessage[],
  startedAt: number,
  at: number,
): void {
  if (messages.length === 0) return;
  const a = consumerAttributes(setup, info.topic, info.consumerGroup, 'receive', 'receive');
  const m = setup.instruments();
  m.consumedMessages.add(messages.length, a);
  m.operationDuration.record(seconds(startedAt, at), a);
  const links: Link[] = [];
  for (const message of messages) {
    const c = creationContext(message.properties);
    if (c) links.push({ context: c });
  }
  setup
    .tracer()
    .startSpan(`receive ${info.topic}`, {
      kind: SpanKind.CLIENT,
      startTime: startedAt,
      links,
      attributes: { ...a, [attr.batchCount]: messages.length },
    })
    .end(at);
}

/**
 * `process {topic}` (CONSUMER) around the handler, then `ack {topic}` (CLIENT) as its child. The
 * process span links to the message's creation context (a transaction's send span) and is a child
 * of the ambient context; with `processParent: 'message'` the creation context is its parent and
 * the ambient span, if any, a link.
 */
export function traceProcess(
  setup: Setup,
  message: ConsumedMessage,
  group: string,
  at: number,
): ProcessTrace {
  const tracer = setup.tracer();
  const a = consumerAttributes(setup, message.topic, group, 'process', 'process');
  const creation = creationContext(message.properties);
  const ambient = context.active();
  const ambientSpan = trace.getSpanContext(ambient);
  const fromMessage = setup.processParent === 'message' && creation !== undefined;
  const parent = fromMessage ? trace.setSpanContext(ambient, creation) : ambient;
  const links: Link[] = fromMessage
    ? ambientSpan && trace.isSpanContextValid(ambientSpan)
      ? [{ context: ambientSpan }]
      : []
    : creation
      ? [{ context: creation }]
      : [];
  const span = tracer.startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      startTime: at,
      links,
      attributes: {
        ...a,
        [attr.messageId]: message.messageId,
        [attr.deliveryAttempt]: message.deliveryAttempt,
        ...(message.tag === undefined ? {} : { [attr.tag]: message.tag }),
        ...(message.keys.length === 0 ? {} : { [attr.keys]: [...message.keys] }),
      },
    },
    parent,
  );
  const spanContext = trace.setSpan(parent, span);
  const m = setup.instruments();
  if (message.bornAt !== undefined) {
    m.messageAge.record(seconds(message.bornAt, at), {
      ...setup.topicAttributes(message.topic),
      [attr.consumerGroup]: group,
    });
  }
  let processed = false;
  let ack: Span | undefined;
  let ackStartedAt = at;
  const ackAttributes = consumerAttributes(setup, message.topic, group, 'ack', 'settle');
  const endAck = (error: unknown, when: number) => {
    if (!ack) return;
    const type = error === undefined ? undefined : failSpan(ack, error);
    ack.end(when);
    ack = undefined;
    m.operationDuration.record(seconds(ackStartedAt, when), withError(ackAttributes, type));
  };
  return {
    run: (handler) => context.with(spanContext, handler),
    processed(error, when) {
      // A stop while the ack is under way: the ack is what was given up.
      if (processed) return endAck(error, when);
      processed = true;
      const type = error === undefined ? undefined : failSpan(span, error);
      span.end(when);
      m.processDuration.record(seconds(at, when), withError(a, type));
    },
    ackStarted(when) {
      ackStartedAt = when;
      ack = tracer.startSpan(
        `ack ${message.topic}`,
        {
          kind: SpanKind.CLIENT,
          startTime: when,
          attributes: { ...ackAttributes, [attr.messageId]: message.messageId },
        },
        spanContext,
      );
    },
    ackEnded: endAck,
  };
}
