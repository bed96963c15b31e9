import type { Outage } from './outages.js';

/**
 * One generated run of the whole system: the producers and their settings, the transactions they
 * send, and the faults that hit them, all at virtual times (ms). Plain data, so fast-check can
 * shrink it and a violation prints it as it is.
 */
export interface Schedule {
  readonly faultClass: FaultClass;
  /** `sql`: the SQL state store over a PostgreSQL-like model (several sessions, READ COMMITTED). */
  readonly store: 'memory' | 'sql';
  /** `local-step`: `store.localStep`, the record written in the business transaction (sql only). */
  readonly step: 'plain' | 'local-step';
  /** Producers sharing the store; producer 0 lives to the end (the guarantee needs one answerer). */
  readonly producers: number;
  /** Two topics, one store each, and every producer answering check-backs from both stores. */
  readonly twoAnswerers: boolean;
  readonly broker: {
    readonly transactionTimeoutMs: number;
    readonly checkIntervalMs: number;
    readonly checkMax: number;
    readonly transactionDataLifetimeMs: number;
    readonly checkAnswerTimeoutMs: number;
    readonly endLatencyMs: number;
  };
  readonly localTimeoutMs: number;
  readonly answer: {
    readonly concurrency: number;
    readonly timeoutMs: number;
    readonly maxQueued: number;
    readonly rollbackAbsentAfterMs: number | undefined;
  };
  /** Latency of each store operation (memory) or statement (sql). */
  readonly storeLatencyMs: number;
  readonly outages: readonly Outage[];
  readonly txs: readonly TxPlan[];
  readonly faults: readonly FaultPlan[];
  /** Seeds the proxy's choice of producer for each check-back. */
  readonly routeSeed: number;
}

/** The fault classes: each draws schedules that stress one way of losing a transaction. */
export const FaultClass = {
  LateSteps: 'late-steps',
  SqlVisibility: 'sql-visibility',
  CheckBacklog: 'check-backlog',
  TwoAnswerers: 'two-answerers',
  Shutdown: 'shutdown',
  CrashRestart: 'crash-restart',
  StoreFaults: 'store-faults',
  EndFaults: 'end-faults',
  CheckFaults: 'check-faults',
  Mixed: 'mixed',
} as const;
export type FaultClass = (typeof FaultClass)[keyof typeof FaultClass];

/** What a local step does: answer (after its latency), or throw. */
export const StepAnswer = {
  Commit: 'commit',
  Rollback: 'rollback',
  Unknown: 'unknown',
  Throw: 'throw',
} as const;
export type StepAnswer = (typeof StepAnswer)[keyof typeof StepAnswer];

export interface TxPlan {
  /** When the producer's source emits the message. */
  readonly at: number;
  /** Which producer sends it (modulo the number of producers). */
  readonly producer: number;
  /** Which topic (with two answerers; else always the first). */
  readonly topic: 0 | 1;
  /** How long the local step (its business transaction) takes; may exceed the local timeout. */
  readonly latencyMs: number;
  readonly answer: StepAnswer;
  /** The business transaction's commit fails: before it took effect, or after (sql local-step). */
  readonly commitFails: 'before' | 'after' | undefined;
}

export type FaultPlan =
  | { readonly kind: 'fail-ends'; readonly at: number; readonly count: number }
  | { readonly kind: 'lose-end-replies'; readonly at: number; readonly count: number }
  | { readonly kind: 'delay-ends'; readonly at: number; readonly count: number; readonly ms: number }
  | { readonly kind: 'duplicate-checks'; readonly at: number; readonly count: number }
  | { readonly kind: 'late-checks'; readonly at: number; readonly until: number; readonly ms: number }
  | {
      readonly kind: 'crash';
      readonly at: number;
      readonly producer: number;
      readonly restartAfterMs: number;
    }
  | { readonly kind: 'shutdown'; readonly at: number; readonly producer: number; readonly lingerMs: number };
