import type { StateStore } from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';
import { rng } from '../crash/rng.js';
import { CheckRouter } from './CheckRouter.js';
import { operationAt } from './outages.js';
import type { Schedule, TxPlan } from './Schedule.js';
import { type SimProducer, startProducer } from './SimProducer.js';
import { SimScheduler } from './SimScheduler.js';
import { SqlModel } from './SqlModel.js';
import { simMemoryStore } from './simMemoryStore.js';
import type { World } from './World.js';

/** What one run of a schedule did, for the invariant to judge. */
export interface Observation {
  /** Transactions whose business work committed, by message id, with when. */
  readonly committed: ReadonlyMap<string, number>;
  /** Committed work the guarantee does not cover, with why (e.g. the broker gave up first). */
  readonly excused: ReadonlyMap<string, string>;
  /** Deliveries per message id. */
  readonly delivered: ReadonlyMap<string, number>;
  /** Streams that did not complete, closes that did not settle, a run that did not settle. */
  readonly stuck: readonly string[];
  readonly trace: readonly string[];
  label(messageId: string): string;
}

const TOPICS = ['SimOrders', 'SimPayments'];
const decoder = new TextDecoder();

/** Runs one schedule in virtual time, from the first message to the last close. */
export async function runSchedule(
  schedule: Schedule,
  options: { readonly trace?: boolean } = {},
): Promise<Observation> {
  const scheduler = new SimScheduler();
  const lines: string[] = [];
  const trace = options.trace
    ? (line: string) => lines.push(`${String(scheduler.now()).padStart(7)} ms  ${line}`)
    : () => {};
  const b = schedule.broker;
  const broker = virtualBroker({
    scheduler,
    transactionTimeoutMs: b.transactionTimeoutMs,
    checkIntervalMs: b.checkIntervalMs,
    checkMax: b.checkMax,
    transactionDataLifetimeMs: b.transactionDataLifetimeMs,
    endLatencyMs: b.endLatencyMs,
    retain: 100_000,
    rememberEnded: 100_000,
  });
  const txOfId = new Map<string, number>();
  const idOfTx = new Map<number, string>();
  const label = (id: string) => {
    const i = txOfId.get(id);
    return i === undefined ? id : `tx${i}(${id})`;
  };
  const learn = (id: string, body: Uint8Array) => {
    const i = Number(decoder.decode(body).slice(2));
    txOfId.set(id, i);
    idOfTx.set(i, id);
  };
  const planOfId = (id: string): TxPlan | undefined => {
    const i = txOfId.get(id);
    return i === undefined ? undefined : schedule.txs[i];
  };

  const committed = new Map<string, number>();
  const failedWrites = new Set<string>();
  const committedBy = new Map<string, number>();
  const excused = new Map<string, string>();
  const delivered = new Map<string, number>();
  const discardedAt = new Map<string, number>();
  const stuck: string[] = [];
  const closes = new Map<string, boolean>();

  const memoryStores: StateStore[] = [];
  const memoryInner: Array<{ get(id: string): { state: string } | undefined }> = [];
  if (schedule.store === 'memory') {
    for (const _ of TOPICS) {
      const s = simMemoryStore(scheduler, schedule.storeLatencyMs, schedule.outages, (id) =>
        failedWrites.add(id),
      );
      memoryStores.push(s.store);
      memoryInner.push(s.inner);
    }
  }
  const sql =
    schedule.store === 'sql'
      ? new SqlModel({
          scheduler,
          statement: (now) => operationAt(schedule.outages, schedule.storeLatencyMs, now),
          commitFault: (keys) => keys.map((k) => planOfId(k)?.commitFails).find((f) => f !== undefined),
          trace,
          failedWrite: (value) => failedWrites.add(value),
          onCommitted: (table, key) => {
            if (table === 'business') committed.set(key, scheduler.now());
          },
        })
      : undefined;

  let lateChecks = schedule.faults.filter((f) => f.kind === 'late-checks');
  const router = new CheckRouter(
    broker,
    scheduler,
    rng(schedule.routeSeed),
    (now) => lateChecks.find((f) => now >= f.at && now < f.until)?.ms ?? 0,
    trace,
    label,
    b.checkAnswerTimeoutMs,
  );
  broker.delivered$.subscribe((d) => {
    learn(d.messageId, d.message.body);
    delivered.set(d.messageId, (delivered.get(d.messageId) ?? 0) + 1);
    trace(`broker delivers ${label(d.messageId)} (via ${d.via})`);
  });
  broker.discarded$.subscribe((d) => {
    learn(d.messageId, d.message.body);
    discardedAt.set(d.messageId, scheduler.now());
    trace(`broker discards ${label(d.messageId)} after ${d.checks} checks`);
  });

  const world: World = {
    schedule,
    scheduler,
    broker,
    router,
    memoryStores,
    sql,
    topic: (i) => TOPICS[i] as string,
    planOf: (half) => {
      learn(half.messageId, half.message.body);
      return planOfId(half.messageId) as TxPlan;
    },
    commitWork: (id, producer) => {
      committed.set(id, scheduler.now());
      committedBy.set(id, producer);
    },
    sent: (message, receipt) => {
      learn(receipt.messageId, message.body);
      trace(`half ${label(receipt.messageId)} stored`);
    },
    expect: (i, tx) =>
      trace(
        `tx${i} → P${tx.producer % schedule.producers} (step ${tx.latencyMs} ms, ${tx.answer}${tx.commitFails ? `, commit fails ${tx.commitFails}` : ''})`,
      ),
    closing: (what, done) => {
      closes.set(what, false);
      done.then(
        () => closes.set(what, true),
        (error: unknown) => {
          closes.set(what, true);
          stuck.push(`${what} rejected: ${String(error)}`);
        },
      );
    },
    label,
    trace,
  };

  /** Committed work whose record a dying process never wrote is outside the guarantee. */
  const excuseUnrecorded = (producer: number) => {
    for (const id of committed.keys()) {
      if (excused.has(id) || committedBy.get(id) !== producer) continue;
      const topic = planOfId(id)?.topic ?? 0;
      const state =
        schedule.store === 'memory'
          ? memoryInner[topic]?.get(id)?.state
          : (sql?.committedRow('rocketmq_rx_transactions', id)?.state as string | undefined);
      if (state !== 'commit') excused.set(id, 'its producer crashed before the outcome was recorded');
    }
  };

  const producers: Array<SimProducer | undefined> = [];
  const generations: number[] = [];
  const finishAt: number[] = [];
  const start = (p: number) => {
    const generation = generations[p] ?? 0;
    generations[p] = generation + 1;
    startProducer(world, p, generation).then(
      (instance) => {
        producers[p] = instance;
        trace(`${instance.name} started`);
        // Started after its last message was due: it has nothing to send.
        if (scheduler.now() >= (finishAt[p] ?? 0)) instance.finish();
      },
      (error: unknown) => {
        // As a supervisor would: a process whose start failed (its store was down) starts again.
        trace(`P${p} failed to start (${String(error)}); starts again in 500 ms`);
        if (generation < 50) at(500, () => start(p));
        else stuck.push(`P${p} failed to start 50 times: ${String(error)}`);
      },
    );
  };
  const at = (ms: number, work: () => void) => scheduler.schedule(work, ms);

  at(0, () => {
    for (let p = 0; p < schedule.producers; p++) start(p);
  });
  schedule.txs.forEach((tx, i) => {
    at(tx.at, () => {
      const p = producers[tx.producer % schedule.producers];
      if (p?.alive) p.send(tx, i);
      else trace(`tx${i} not sent: P${tx.producer % schedule.producers} is down`);
    });
  });
  for (let p = 0; p < schedule.producers; p++) {
    const last = Math.max(
      0,
      ...schedule.txs.filter((t) => t.producer % schedule.producers === p).map((t) => t.at),
    );
    finishAt[p] = last + 1;
    at(last + 1, () => producers[p]?.finish());
  }
  for (const f of schedule.faults) {
    at(f.at, () => {
      switch (f.kind) {
        case 'fail-ends':
          trace(`fault: the next ${f.count} end calls fail`);
          return broker.faults.failNextEnds(f.count);
        case 'lose-end-replies':
          trace(`fault: the next ${f.count} end calls lose their reply`);
          return broker.faults.loseNextEndReplies(f.count);
        case 'delay-ends':
          trace(`fault: the next ${f.count} end calls take ${f.ms} ms more`);
          return broker.faults.delayNextEnds(f.count, f.ms);
        case 'duplicate-checks':
          trace(`fault: the next ${f.count} check-backs are sent twice`);
          return broker.faults.duplicateNextChecks(f.count);
        case 'late-checks':
          return trace(`fault: check-backs reach producers ${f.ms} ms late until ${f.until} ms`);
        case 'crash':
        case 'shutdown': {
          if (schedule.producers < 2) return;
          const p = 1 + (f.producer % (schedule.producers - 1));
          const instance = producers[p];
          if (!instance?.alive) return;
          if (f.kind === 'shutdown') {
            instance.shutdown(f.lingerMs);
            return;
          }
          instance.crash();
          excuseUnrecorded(p);
          producers[p] = undefined;
          at(f.restartAfterMs, () => start(p));
          return;
        }
      }
    });
  }

  const horizon = 3_600_000;
  if ((await scheduler.run(horizon, 2_000_000)) === 'limit')
    stuck.push(`the run did not settle by ${scheduler.now()} ms`);
  // The end: every live producer closes gracefully, then the broker.
  trace('end of the workload: closing');
  const live = producers.filter((p): p is SimProducer => p?.alive === true);
  for (const p of live) world.closing(`${p.name} close()`, p.close());
  router.stop();
  broker.close();
  lateChecks = [];
  if ((await scheduler.run(horizon * 2, 4_000_000)) === 'limit') stuck.push('the closes did not settle');
  for (const p of live) stuck.push(...p.unfinished().map((u) => `${u} did not complete`));
  for (const [what, done] of closes) if (!done) stuck.push(`${what} never settled`);
  for (const e of new Set(sql?.misunderstood)) stuck.push(e);
  for (const [id, when] of committed) {
    if (schedule.step === 'plain' && failedWrites.has(id) && !delivered.has(id) && !excused.has(id)) {
      excused.set(id, 'a plain step: the store failed the write of its outcome, and no end call carried it');
    }
    const gone = discardedAt.get(id);
    if (gone !== undefined && gone < when && !excused.has(id)) {
      excused.set(id, `its work committed at ${when} ms, after the broker discarded the half at ${gone} ms`);
    }
  }
  return { committed, excused, delivered, stuck, trace: lines, label };
}
