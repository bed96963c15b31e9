import { type Attributes, context, type Span, type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import type { RecordReason } from '../core/StateStore.js';
import type { TransactionTrace } from '../core/Telemetry.js';
import { Fate } from '../core/Transaction.js';
import type { ValidMessage } from '../core/TransactionalMessage.js';
import type { Resolution, TransactionState } from '../core/TransactionState.js';
import { attr, errorType } from './semconv.js';
import { type Context, failSpan, links, type Setup, seconds, withError } from './setup.js';
import { formatTraceparent, parseTraceContext } from './traceContext.js';

/**
 * `transaction {topic}` with its children: `send {topic}` (PRODUCER, the creation context written
 * into the half), `local_step {topic}`, then `commit|rollback {topic}` (CLIENT).
 */
export function transactionTrace(setup: Setup, message: ValidMessage, at: number): TransactionTrace {
  const tracer = setup.tracer();
  const topic = message.topic;
  const base = setup.topicAttributes(topic);
  const messageAttributes: Attributes = {
    ...base,
    [attr.messageType]: 'transaction',
    ...(message.tag === undefined ? {} : { [attr.tag]: message.tag }),
    ...(message.keys.length === 0 ? {} : { [attr.keys]: [...message.keys] }),
  };
  const parent = context.active();
  const txSpan = tracer.startSpan(
    `transaction ${topic}`,
    { kind: SpanKind.INTERNAL, startTime: at, attributes: messageAttributes },
    parent,
  );
  const txContext = trace.setSpan(parent, txSpan);
  const sendSpan = tracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      startTime: at,
      attributes: { ...messageAttributes, [attr.operationName]: 'send', [attr.operationType]: 'send' },
    },
    txContext,
  );
  const startedAt = at;
  let creation: SpanContext | undefined = sendSpan.spanContext();
  let sentAt: number | undefined;
  let localSpan: Span | undefined;
  let localStartedAt = at;
  let state: TransactionState | undefined;
  let endSpan: Span | undefined;
  let endStartedAt = at;
  let resolution: Resolution | undefined;
  let done = false;
  let ids: Attributes = {};

  const opAttributes = (name: string, type?: string): Attributes =>
    type
      ? { ...base, [attr.operationName]: name, [attr.operationType]: type }
      : { ...base, [attr.operationName]: name };

  return {
    halfProperties(properties) {
      // A creation context the user set is theirs: left alone, and it is the one links point at.
      if (properties.traceparent !== undefined) {
        creation = parseTraceContext(properties.traceparent, properties.tracestate);
        return properties;
      }
      const sc = sendSpan.spanContext();
      if (!trace.isSpanContextValid(sc)) return properties;
      const tracestate = sc.traceState?.serialize();
      return tracestate
        ? { ...properties, traceparent: formatTraceparent(sc), tracestate }
        : { ...properties, traceparent: formatTraceparent(sc) };
    },
    retried(operation, error, attempt, when) {
      const type = errorType(error);
      (operation === 'send' ? sendSpan : (endSpan ?? txSpan)).addEvent(
        'retry',
        { [attr.retryAttempt]: attempt, [attr.errorType]: type },
        when,
      );
      setup
        .instruments()
        .retries.add(1, { ...base, [attr.operationName]: operation, [attr.errorType]: type });
    },
    sent(messageId, transactionId, attempts, when) {
      sentAt = when;
      ids = { [attr.messageId]: messageId, [attr.transactionId]: transactionId };
      sendSpan.setAttributes({ ...ids, [attr.sendAttempts]: attempts });
      sendSpan.end(when);
      txSpan.setAttributes(ids);
      const m = setup.instruments();
      const a = opAttributes('send', 'send');
      m.operationDuration.record(seconds(startedAt, when), a);
      m.sentMessages.add(1, a);
      m.pending.add(1, base);
    },
    sendFailed(error, attempts, when) {
      if (done) return;
      done = true;
      sendSpan.setAttribute(attr.sendAttempts, attempts);
      const type = failSpan(sendSpan, error);
      sendSpan.end(when);
      failSpan(txSpan, error);
      txSpan.end(when);
      const m = setup.instruments();
      const a = withError(opAttributes('send', 'send'), type);
      m.operationDuration.record(seconds(startedAt, when), a);
      m.sentMessages.add(1, a);
      m.transactionDuration.record(seconds(startedAt, when), withError(base, type));
    },
    runStep(step, when) {
      localStartedAt = when;
      localSpan = tracer.startSpan(
        `local_step ${topic}`,
        { kind: SpanKind.INTERNAL, startTime: when, attributes: base },
        txContext,
      );
      return context.with(trace.setSpan(txContext, localSpan), step);
    },
    localEnded(outcome, reason: RecordReason, cause, when) {
      state = outcome;
      txSpan.setAttribute(attr.state, outcome);
      const span = localSpan;
      if (!span) return;
      localSpan = undefined;
      span.setAttributes({ [attr.state]: outcome, [attr.reason]: reason });
      const type = cause === undefined ? undefined : failSpan(span, cause);
      span.end(when);
      setup
        .instruments()
        .localStepDuration.record(
          seconds(localStartedAt, when),
          withError({ ...base, [attr.state]: outcome, [attr.reason]: reason }, type),
        );
    },
    endStarted(r, when) {
      resolution = r;
      endStartedAt = when;
      endSpan = tracer.startSpan(
        `${r} ${topic}`,
        {
          kind: SpanKind.CLIENT,
          startTime: when,
          links: links(creation),
          attributes: { ...ids, ...opAttributes(r), [attr.endSource]: 'client' },
        },
        txContext,
      );
    },
    ended(fate, attempts, cause, when) {
      if (done) return;
      done = true;
      const m = setup.instruments();
      let type: string | undefined;
      if (endSpan && resolution) {
        endSpan.setAttribute(attr.endAttempts, attempts);
        if (fate === Fate.LeftToCheckBack && cause !== undefined) type = failSpan(endSpan, cause);
        endSpan.end(when);
        m.operationDuration.record(seconds(endStartedAt, when), withError(opAttributes(resolution), type));
      }
      txSpan.setAttributes({ [attr.fate]: fate, [attr.endAttempts]: attempts });
      txSpan.end(when);
      const outcome = { ...base, [attr.fate]: fate, ...(state ? { [attr.state]: state } : {}) };
      m.transactionDuration.record(seconds(startedAt, when), outcome);
      m.endedTransactions.add(1, withError(outcome, type));
      if (sentAt !== undefined) m.pending.add(-1, base);
    },
  };
}

export type { Context };
