import fc from 'fast-check';
import type { Outage } from './outages.js';
import { FaultClass, type FaultPlan, type Schedule, StepAnswer, type TxPlan } from './Schedule.js';

/**
 * Schedules, one arbitrary per fault class. Every class keeps to the guarantee's conditions — a
 * producer alive to answer, stores that recover, steps that end within the broker's check window,
 * check-back capacity for the backlog it makes — so that any violation is the library's.
 */
export function scheduleArbitrary(faultClass: FaultClass): fc.Arbitrary<Schedule> {
  return ARBITRARIES[faultClass];
}

const at = (max: number) => fc.integer({ min: 0, max });

/** Broker timing with a check window (first check to discard) of at least 6.5 s. */
const timing = (overrides: { checkMax?: fc.Arbitrary<number>; lifetime?: fc.Arbitrary<number> } = {}) =>
  fc.record({
    transactionTimeoutMs: fc.integer({ min: 1_500, max: 4_000 }),
    checkIntervalMs: fc.integer({ min: 1_000, max: 2_000 }),
    checkMax: overrides.checkMax ?? fc.integer({ min: 5, max: 8 }),
    transactionDataLifetimeMs: overrides.lifetime ?? fc.constant(30_000),
    checkAnswerTimeoutMs: fc.integer({ min: 3_000, max: 10_000 }),
    endLatencyMs: fc.integer({ min: 0, max: 50 }),
  });

interface TxKnobs {
  readonly count: [number, number];
  readonly window: number;
  readonly maxLatency: number;
  readonly answers: readonly StepAnswer[];
  readonly topics?: boolean;
  readonly commitFails?: boolean;
}

const txs = (k: TxKnobs): fc.Arbitrary<TxPlan[]> =>
  fc.array(
    fc.record({
      at: fc.integer({ min: 50, max: k.window }),
      producer: fc.nat({ max: 5 }),
      topic: k.topics ? fc.constantFrom<0 | 1>(0, 1) : fc.constant<0 | 1>(0),
      latencyMs: fc.integer({ min: 0, max: k.maxLatency }),
      answer: fc.constantFrom(...k.answers),
      commitFails: k.commitFails
        ? fc.option(fc.constantFrom<'before' | 'after'>('before', 'after'), { freq: 6, nil: undefined })
        : fc.constant(undefined),
    }),
    { minLength: k.count[0], maxLength: k.count[1] },
  );

const outage = (from: number, maxLength: number, modes: Outage['mode'][]): fc.Arbitrary<Outage> =>
  fc
    .record({
      from: at(from),
      length: fc.integer({ min: 100, max: maxLength }),
      mode: fc.constantFrom(...modes),
      ms: fc.integer({ min: 50, max: 1_500 }),
    })
    .map(({ from: f, length, mode, ms }) => ({ from: f, until: f + length, mode, ms }));

const answer = (
  o: { concurrency?: fc.Arbitrary<number>; rollbackAbsent?: fc.Arbitrary<number | undefined> } = {},
) =>
  fc.record({
    concurrency: o.concurrency ?? fc.integer({ min: 1, max: 32 }),
    timeoutMs: fc.integer({ min: 500, max: 3_000 }),
    maxQueued: fc.constant(10_000),
    rollbackAbsentAfterMs: o.rollbackAbsent ?? fc.constant(undefined),
  });

const ALL_ANSWERS = [StepAnswer.Commit, StepAnswer.Rollback, StepAnswer.Unknown, StepAnswer.Throw];
/** `localStep` commits its writes with an `unknown` record; the guarantee covers commit, rollback, throw. */
const LOCAL_STEP_ANSWERS = [StepAnswer.Commit, StepAnswer.Rollback, StepAnswer.Throw];

const storeAndStep = fc.constantFrom<Pick<Schedule, 'store' | 'step'>>(
  { store: 'memory', step: 'plain' },
  { store: 'sql', step: 'plain' },
  { store: 'sql', step: 'local-step' },
);

const endFault = (window: number): fc.Arbitrary<FaultPlan> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('fail-ends' as const),
      at: at(window),
      count: fc.integer({ min: 1, max: 20 }),
    }),
    fc.record({
      kind: fc.constant('lose-end-replies' as const),
      at: at(window),
      count: fc.integer({ min: 1, max: 10 }),
    }),
    fc.record({
      kind: fc.constant('delay-ends' as const),
      at: at(window),
      count: fc.integer({ min: 1, max: 10 }),
      ms: fc.integer({ min: 100, max: 5_000 }),
    }),
  );

const checkFault = (window: number): fc.Arbitrary<FaultPlan> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('duplicate-checks' as const),
      at: at(window),
      count: fc.integer({ min: 1, max: 20 }),
    }),
    fc
      .record({
        from: at(window),
        length: fc.integer({ min: 500, max: 5_000 }),
        ms: fc.integer({ min: 50, max: 1_500 }),
      })
      .map(
        ({ from, length, ms }): FaultPlan => ({ kind: 'late-checks', at: from, until: from + length, ms }),
      ),
  );

const processFault = (window: number): fc.Arbitrary<FaultPlan> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('crash' as const),
      at: at(window),
      producer: fc.nat({ max: 5 }),
      restartAfterMs: fc.integer({ min: 0, max: 3_000 }),
    }),
    fc.record({
      kind: fc.constant('shutdown' as const),
      at: at(window),
      producer: fc.nat({ max: 5 }),
      lingerMs: fc.integer({ min: 0, max: 5_000 }),
    }),
  );

const base = {
  twoAnswerers: fc.constant(false),
  storeLatencyMs: fc.integer({ min: 0, max: 20 }),
  outages: fc.constant([] as Outage[]),
  faults: fc.constant([] as FaultPlan[]),
  routeSeed: fc.integer(),
  localTimeoutMs: fc.integer({ min: 200, max: 1_500 }),
};

/** A class's schedule: the defaults above, with the class's own parts (`storeAndStep` picks both). */
const schedule = (faultClass: FaultClass, parts: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .record({
      ...base,
      producers: fc.integer({ min: 1, max: 3 }),
      broker: timing(),
      answer: answer(),
      storeAndStep,
      txs: txs({ count: [1, 12], window: 5_000, maxLatency: 2_000, answers: ALL_ANSWERS }),
      ...parts,
    })
    .map((r): Schedule => {
      const { storeAndStep: ss, ...rest } = r as unknown as Omit<Schedule, 'faultClass'> & {
        storeAndStep?: Pick<Schedule, 'store' | 'step'>;
      };
      const pick = ss ?? { store: rest.store, step: rest.step };
      return {
        faultClass,
        ...rest,
        ...pick,
        // A localStep never answers unknown in these schedules (see LOCAL_STEP_ANSWERS).
        txs: rest.txs.map((t) =>
          pick.step === 'local-step' && t.answer === StepAnswer.Unknown
            ? { ...t, answer: StepAnswer.Commit }
            : t,
        ),
        answer:
          pick.step === 'local-step' ? rest.answer : { ...rest.answer, rollbackAbsentAfterMs: undefined },
      };
    });

/** Moves each shutdown or crash into a step of the producer it stops (`producer` picks the step). */
function duringASteps(s: Schedule): Schedule {
  if (s.producers < 2 || s.txs.length === 0) return s;
  const txs = [...s.txs];
  const faults = s.faults.map((f) => {
    if (f.kind !== 'shutdown' && f.kind !== 'crash') return f;
    const i = f.producer % txs.length;
    const tx = txs[i] as TxPlan;
    txs[i] = { ...tx, producer: 1 + (f.producer % (s.producers - 1)) };
    return { ...f, at: tx.at + (f.at % Math.max(1, tx.latencyMs)) };
  });
  return { ...s, txs, faults };
}

const ARBITRARIES: Record<FaultClass, fc.Arbitrary<Schedule>> = {
  [FaultClass.LateSteps]: schedule(FaultClass.LateSteps, {
    txs: txs({ count: [1, 12], window: 4_000, maxLatency: 4_500, answers: ALL_ANSWERS }),
  }),
  [FaultClass.SqlVisibility]: schedule(FaultClass.SqlVisibility, {
    storeAndStep: fc.constant({ store: 'sql', step: 'local-step' }),
    localTimeoutMs: fc.integer({ min: 200, max: 1_000 }),
    answer: answer({ rollbackAbsent: fc.integer({ min: 1_000, max: 3_000 }) }),
    txs: txs({
      count: [1, 10],
      window: 4_000,
      maxLatency: 4_500,
      answers: LOCAL_STEP_ANSWERS,
      commitFails: true,
    }),
  }),
  // Every end call fails, so each transaction waits for a check-back; lookups are slow and the
  // answerers few, so checks queue up for longer than the transport waits for an answer. The
  // concurrency is sized so that answering every check takes half the check window: a sound
  // answerer delivers them all in time, one that spends its answers on stale checks does not.
  [FaultClass.CheckBacklog]: schedule(FaultClass.CheckBacklog, {
    storeAndStep: fc.constant({ store: 'memory', step: 'plain' }),
    producers: fc.integer({ min: 1, max: 2 }),
    storeLatencyMs: fc.integer({ min: 100, max: 300 }),
    broker: timing().map((b) => ({
      ...b,
      checkIntervalMs: 1_000,
      checkAnswerTimeoutMs: 1_000 + (b.checkAnswerTimeoutMs % 1_000),
    })),
    answer: answer().map((a) => ({ ...a, timeoutMs: 3_000 })),
    txs: txs({
      count: [20, 60],
      window: 300,
      maxLatency: 50,
      answers: [StepAnswer.Commit, StepAnswer.Rollback],
    }),
    faults: fc.constant([{ kind: 'fail-ends', at: 0, count: 1_000 }]),
  }).map((s) => {
    const window = s.broker.checkMax * s.broker.checkIntervalMs;
    const perProducer = Math.ceil(s.txs.length / s.producers);
    const concurrency = Math.max(1, Math.ceil((perProducer * s.storeLatencyMs) / (0.5 * window)));
    return { ...s, answer: { ...s.answer, concurrency } };
  }),
  [FaultClass.TwoAnswerers]: schedule(FaultClass.TwoAnswerers, {
    storeAndStep: fc.constant({ store: 'memory', step: 'plain' }),
    twoAnswerers: fc.constant(true),
    txs: txs({ count: [1, 10], window: 4_000, maxLatency: 1_000, answers: ALL_ANSWERS, topics: true }),
    faults: fc.array(endFault(5_000), { minLength: 1, maxLength: 3 }),
  }),
  // A shutdown lands while one of the producer's steps runs: that is where an answer can be lost.
  [FaultClass.Shutdown]: schedule(FaultClass.Shutdown, {
    producers: fc.integer({ min: 2, max: 3 }),
    txs: txs({ count: [1, 12], window: 4_000, maxLatency: 3_000, answers: ALL_ANSWERS }),
    faults: fc.array(
      fc.record({
        kind: fc.constant('shutdown' as const),
        at: at(5_000),
        producer: fc.nat({ max: 5 }),
        lingerMs: fc.integer({ min: 0, max: 5_000 }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }).map(duringASteps),
  [FaultClass.CrashRestart]: schedule(FaultClass.CrashRestart, {
    producers: fc.integer({ min: 2, max: 3 }),
    txs: txs({ count: [1, 12], window: 6_000, maxLatency: 2_000, answers: ALL_ANSWERS }),
    faults: fc.array(
      fc.record({
        kind: fc.constant('crash' as const),
        at: at(5_000),
        producer: fc.nat({ max: 5 }),
        restartAfterMs: fc.integer({ min: 0, max: 3_000 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  }).map(duringASteps),
  [FaultClass.StoreFaults]: schedule(FaultClass.StoreFaults, {
    outages: fc.array(outage(6_000, 3_000, ['slow', 'fail', 'hang']), { minLength: 1, maxLength: 3 }),
  }),
  [FaultClass.EndFaults]: schedule(FaultClass.EndFaults, {
    broker: timing({ lifetime: fc.integer({ min: 1_000, max: 30_000 }) }),
    faults: fc.array(endFault(5_000), { minLength: 1, maxLength: 4 }),
  }),
  [FaultClass.CheckFaults]: schedule(FaultClass.CheckFaults, {
    txs: txs({ count: [1, 25], window: 3_000, maxLatency: 2_000, answers: ALL_ANSWERS }),
    faults: fc.array(fc.oneof(checkFault(6_000), endFault(3_000)), { minLength: 1, maxLength: 4 }),
  }),
  [FaultClass.Mixed]: schedule(FaultClass.Mixed, {
    answer: answer({ rollbackAbsent: fc.option(fc.integer({ min: 1_500, max: 3_000 }), { nil: undefined }) }),
    broker: timing({ lifetime: fc.integer({ min: 2_000, max: 30_000 }) }),
    outages: fc.array(outage(6_000, 2_000, ['slow', 'fail', 'hang']), { maxLength: 2 }),
    txs: txs({ count: [1, 15], window: 5_000, maxLatency: 3_000, answers: ALL_ANSWERS, commitFails: true }),
    faults: fc.array(fc.oneof(endFault(5_000), checkFault(6_000), processFault(5_000)), { maxLength: 4 }),
  }),
};
