import {
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type UpDownCounter,
} from '@opentelemetry/api';
import { metric } from './semconv.js';

/** The semantic conventions' advice for messaging durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Halves are checked from seconds to a day after the send. */
const AGE_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400];
const COUNT_BUCKETS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30];

export interface Instruments {
  readonly operationDuration: Histogram;
  readonly sentMessages: Counter;
  readonly consumedMessages: Counter;
  readonly processDuration: Histogram;
  readonly transactionDuration: Histogram;
  readonly endedTransactions: Counter;
  readonly localStepDuration: Histogram;
  readonly pending: UpDownCounter;
  readonly answeredCheckBacks: Counter;
  readonly checkBackDuration: Histogram;
  readonly halfAge: Histogram;
  readonly checkCount: Histogram;
  readonly presumedDiscarded: Counter;
  readonly droppedCheckBacks: Counter;
  readonly retries: Counter;
  readonly storeDuration: Histogram;
  readonly evictedRecords: Counter;
  readonly messageAge: Histogram;
}

function create(meter: Meter): Instruments {
  const seconds = (name: string, description: string, buckets = DURATION_BUCKETS) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: buckets } });
  return {
    operationDuration: seconds(
      metric.operationDuration,
      'Duration of messaging operation initiated by a producer or consumer client.',
    ),
    sentMessages: meter.createCounter(metric.sentMessages, {
      description: 'Number of messages producer attempted to send to the broker.',
      unit: '{message}',
    }),
    consumedMessages: meter.createCounter(metric.consumedMessages, {
      description: 'Number of messages that were delivered to the application.',
      unit: '{message}',
    }),
    processDuration: seconds(metric.processDuration, 'Duration of processing operation.'),
    transactionDuration: seconds(metric.transactionDuration, 'Half send start to the fate being known.'),
    endedTransactions: meter.createCounter(metric.endedTransactions, {
      description: 'Transactions this client finished, by fate.',
      unit: '{transaction}',
    }),
    localStepDuration: seconds(metric.localStepDuration, 'Time the local step took.'),
    pending: meter.createUpDownCounter(metric.pending, {
      description: 'Halves sent by this process whose end is not decided yet.',
      unit: '{transaction}',
    }),
    answeredCheckBacks: meter.createCounter(metric.answeredCheckBacks, {
      description: 'Check-backs answered, by answer and where it came from.',
      unit: '{check_back}',
    }),
    checkBackDuration: seconds(metric.checkBackDuration, 'Check-back arrival to its answer.'),
    halfAge: seconds(metric.halfAge, 'Age of halves when checked.', AGE_BUCKETS),
    checkCount: meter.createHistogram(metric.checkCount, {
      description: "The broker's check count at each answer.",
      unit: '{check}',
      advice: { explicitBucketBoundaries: COUNT_BUCKETS },
    }),
    presumedDiscarded: meter.createCounter(metric.presumedDiscarded, {
      description:
        "Answered unknown at or past the broker's last check: the broker discards them, never delivered.",
      unit: '{transaction}',
    }),
    droppedCheckBacks: meter.createCounter(metric.droppedCheckBacks, {
      description: 'Check-backs the transport left unanswered (shed, or answered too late).',
      unit: '{check_back}',
    }),
    retries: meter.createCounter(metric.retries, {
      description: 'Send and end attempts that failed and were tried again.',
      unit: '{retry}',
    }),
    storeDuration: seconds(metric.storeDuration, 'Duration of a state store save or load.'),
    evictedRecords: meter.createCounter(metric.evictedRecords, {
      description: 'Records dropped by a store while still unknown: their check-back finds nothing.',
      unit: '{record}',
    }),
    messageAge: seconds(
      metric.messageAge,
      'Consumer side: from the send to the start of processing.',
      AGE_BUCKETS,
    ),
  };
}

/**
 * Instruments made at first use, not when the telemetry is created: a meter taken from the global
 * provider before an SDK registers stays a no-op forever. Without an explicit provider the global
 * one is looked at on every use, and the instruments are made again once it changes.
 */
export function lazyInstruments(explicit: MeterProvider | undefined, name: string, version: string) {
  let provider: MeterProvider | undefined;
  let instruments: Instruments | undefined;
  return (): Instruments => {
    const current = explicit ?? metrics.getMeterProvider();
    if (instruments === undefined || current !== provider) {
      provider = current;
      instruments = create(current.getMeter(name, version));
    }
    return instruments;
  };
}
