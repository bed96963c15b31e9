import { type Attributes, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { CheckBack } from '../core/BrokerPort.js';
import type { CheckBackTrace } from '../core/Telemetry.js';
import type { Resolution } from '../core/TransactionState.js';
import { attr } from './semconv.js';
import { failSpan, links, type Setup, seconds, withError } from './setup.js';
import { parseTraceContext } from './traceContext.js';

/**
 * `check {topic}` (CONSUMER): a new trace for each check-back, linked to the transaction's creation
 * context — from the check-back's message, else from the store's record. Check-backs come seconds
 * to hours later, often to another process, up to the broker's maximum: as children they would
 * keep the producer's trace open; a link ties them to it without that. The end call the answer
 * makes is the check span's child.
 */
export function checkBackTrace(setup: Setup, check: CheckBack, arrivedAt: number): CheckBackTrace {
  const base = setup.topicAttributes(check.topic);
  let span: Span | undefined;
  let endSpan: Span | undefined;
  let endStartedAt = arrivedAt;
  let resolution: Resolution | undefined;
  let outcome: Attributes = base;
  let unknown = false;
  let creation: ReturnType<typeof parseTraceContext>;

  return {
    decided(state, source, record, at) {
      const props = check.message?.properties;
      creation =
        parseTraceContext(props?.traceparent, props?.tracestate) ??
        parseTraceContext(record?.traceparent, record?.tracestate);
      unknown = state === 'unknown';
      outcome = { ...base, [attr.answer]: state, [attr.answerSource]: source };
      const attributes: Attributes = {
        ...outcome,
        [attr.messageType]: 'transaction',
        [attr.operationName]: 'check',
        [attr.messageId]: check.messageId,
        [attr.transactionId]: check.transactionId,
        ...(check.checkCount === undefined ? {} : { [attr.checkCount]: check.checkCount }),
        ...(check.bornAt === undefined ? {} : { [attr.halfAge]: seconds(check.bornAt, arrivedAt) }),
      };
      span = setup
        .tracer()
        .startSpan(
          `check ${check.topic}`,
          { kind: SpanKind.CONSUMER, root: true, startTime: arrivedAt, links: links(creation), attributes },
          ROOT_CONTEXT,
        );
      void at;
    },
    endStarted(r, at) {
      if (!span) return;
      resolution = r;
      endStartedAt = at;
      endSpan = setup.tracer().startSpan(
        `${r} ${check.topic}`,
        {
          kind: SpanKind.CLIENT,
          startTime: at,
          links: links(creation),
          attributes: {
            ...base,
            [attr.operationName]: r,
            [attr.messageId]: check.messageId,
            [attr.transactionId]: check.transactionId,
            [attr.endSource]: 'check-back',
          },
        },
        trace.setSpan(ROOT_CONTEXT, span),
      );
    },
    answered(unknownCount, error, at) {
      if (!span) return;
      const m = setup.instruments();
      let type: string | undefined;
      if (endSpan && resolution) {
        if (error !== undefined) type = failSpan(endSpan, error);
        endSpan.end(at);
        m.operationDuration.record(
          seconds(endStartedAt, at),
          withError({ ...base, [attr.operationName]: resolution }, type),
        );
      }
      // The broker discards a half checked `checkMax` times: an unknown answer now is its last.
      const checks = Math.max(check.checkCount ?? 0, unknownCount);
      const presumedDiscard = unknown && checks >= setup.checkMax;
      span.setAttribute(attr.unknownCount, unknownCount);
      if (presumedDiscard) span.setAttribute(attr.presumedDiscard, true);
      if (error !== undefined) failSpan(span, error);
      span.end(at);
      m.answeredCheckBacks.add(1, withError(outcome, type));
      m.checkBackDuration.record(seconds(arrivedAt, at), outcome);
      const byAnswer = { ...base, [attr.answer]: outcome[attr.answer] as string };
      if (check.bornAt !== undefined) m.halfAge.record(seconds(check.bornAt, arrivedAt), byAnswer);
      if (check.checkCount !== undefined) m.checkCount.record(check.checkCount, byAnswer);
      if (presumedDiscard) m.presumedDiscarded.add(1, base);
    },
  };
}
