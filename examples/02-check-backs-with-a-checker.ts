/**
 * Example 2 — check-backs answered by a checker function (the classic RocketMQ transaction
 * example, in its own shape: a map of local states and a checker reading it).
 *
 * Ten messages to a TopicTest topic, tag TagA, body "Hello RocketMQ". The local step puts
 * transaction i's state, i % 3, in the map and answers `unknown`, so only check-backs decide:
 * 1 → commit, 2 → rollback, 0 → unknown (checked up to the broker's maximum, then discarded).
 *
 * The map is keyed by message id: on RocketMQ 5 a check-back's transaction id is not the one the
 * send returned (the proxy encodes where the broker keeps the half now, and the broker moves it at
 * every check), while the message id stays.
 *
 * Run it: `npx tsx examples/02-check-backs-with-a-checker.ts` with ROCKETMQ_ENDPOINTS set (or
 * ROCKETMQ_NAMESRV, to go over remoting) and a TRANSACTION topic named by ROCKETMQ_TOPIC (or use
 * `npm run demo`, which starts a broker for you).
 */

import {
  answerCheckBacks,
  type CheckBackAnswer,
  checkBacks,
  type Half,
  TransactionState,
  transactional,
} from 'rocketmq-rx';
import { from, lastValueFrom, type Subscription, toArray } from 'rxjs';
import type { Received } from './support/collect.js';
import { connectBroker, connectConsumer, type Target } from './support/connect.js';
import { brokerFromEnv } from './support/env.js';

export interface ScenarioAOptions extends Target {
  /** A TRANSACTION topic for this run. */
  readonly topic: string;
  /** The broker's check settings: how long to wait for every check to happen. */
  readonly timing: {
    readonly transactionTimeoutMs: number;
    readonly checkIntervalMs: number;
    readonly checkMax: number;
  };
  /** Called about once a second while waiting for check-backs. */
  readonly onProgress?: (progress: {
    readonly elapsedMs: number;
    readonly checks: number;
    readonly received: number;
  }) => void;
}

export interface TransactionReport {
  readonly index: number;
  readonly messageId: string;
  readonly localAnswer: string;
  /** Every answer given to a check-back for this transaction, in order. */
  readonly checkAnswers: readonly string[];
  readonly fate: 'delivered' | 'rolled back' | 'discarded';
}

export interface ScenarioAReport {
  readonly transactions: readonly TransactionReport[];
  readonly received: readonly Received[];
}

const decision = [TransactionState.Unknown, TransactionState.Commit, TransactionState.Rollback] as const;

export async function scenarioA(options: ScenarioAOptions): Promise<ScenarioAReport> {
  const { topic, timing } = options;
  const consumer = await connectConsumer(options, topic, `demo_${topic}`);
  const broker = await connectBroker(options, topic);
  // The truth the check-backs read: what each local transaction decided, by message id.
  const localStates = new Map<string, TransactionState>();
  const answers: CheckBackAnswer[] = [];
  let answering: Subscription | undefined;
  try {
    answering = checkBacks(broker)
      .pipe(answerCheckBacks((check) => localStates.get(check.messageId) ?? TransactionState.Unknown))
      .subscribe((a) => answers.push(a));

    const messages = Array.from({ length: 10 }, (_, i) => ({
      topic,
      tag: 'TagA',
      body: 'Hello RocketMQ',
      properties: { index: String(i) },
    }));
    const localStep = (half: Half) => {
      const i = Number(half.message.properties.index);
      localStates.set(half.messageId, decision[i % 3] as TransactionState);
      return TransactionState.Unknown; // leave it to the check-back
    };
    const results = await lastValueFrom(
      from(messages).pipe(transactional(broker, localStep, { concurrency: 1 }), toArray()),
    );

    // Every check for these halves happens within timeout + checkMax × interval (plus a margin).
    const waitMs = timing.transactionTimeoutMs + (timing.checkMax + 2) * timing.checkIntervalMs;
    const started = Date.now();
    while (Date.now() - started < waitMs) {
      await new Promise((r) => setTimeout(r, Math.min(1_000, waitMs - (Date.now() - started))));
      options.onProgress?.({
        elapsedMs: Date.now() - started,
        checks: answers.filter((a) => a._tag === 'Answered').length,
        received: consumer.received.length,
      });
    }

    const transactions = results.map((r, index): TransactionReport => {
      if (r._tag !== 'Resolved') throw new Error(`message ${index} was rejected: ${r.error.message}`);
      const messageId = r.local.half.messageId;
      const checkAnswers = answers.flatMap((a) =>
        a._tag === 'Answered' && a.check.messageId === messageId ? [a.state] : [],
      );
      const delivered = consumer.received.some((m) => m.messageId === messageId);
      return {
        index,
        messageId,
        localAnswer: r.local.state,
        checkAnswers,
        fate: delivered ? 'delivered' : checkAnswers.includes('rollback') ? 'rolled back' : 'discarded',
      };
    });
    return { transactions, received: [...consumer.received] };
  } finally {
    answering?.unsubscribe();
    await broker.close();
    await consumer.stop();
  }
}

// Run directly: report on ROCKETMQ_ENDPOINTS / ROCKETMQ_TOPIC.
if (import.meta.url === `file://${process.argv[1]}`) {
  const target = brokerFromEnv();
  const report = await scenarioA({
    ...target,
    timing: {
      transactionTimeoutMs: Number(process.env.ROCKETMQ_TRANSACTION_TIMEOUT_MS ?? 6_000),
      checkIntervalMs: Number(process.env.ROCKETMQ_CHECK_INTERVAL_MS ?? 30_000),
      checkMax: Number(process.env.ROCKETMQ_CHECK_MAX ?? 15),
    },
  });
  console.table(report.transactions);
}
