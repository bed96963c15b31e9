import { Subject, type Subscription } from 'rxjs';
import {
  answerCheckBacks,
  checkBacks,
  type Half,
  type LocalStep,
  type SqlStateStore,
  type StateStore,
  sqlStateStore,
  type TransactionalMessage,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { type ProducerLink, producerLink } from './producerLink.js';
import type { TxPlan } from './Schedule.js';
import type { SimDatabase } from './SqlModel.js';
import type { World } from './World.js';

/**
 * One producer process: a `transactional` pipeline per topic and a check-back answerer per store,
 * over its own link to the broker and (sql) its own store instance on the shared database. It can
 * crash (everything stops mid-air) or shut down gracefully (unsubscribe, close the broker link,
 * close the store, then the process exits after `lingerMs`).
 */
export interface SimProducer {
  readonly name: string;
  readonly alive: boolean;
  /** The producer's source for a topic emits this transaction. */
  send(tx: TxPlan, index: number): void;
  /** No more messages: the sources complete. */
  finish(): void;
  crash(): void;
  shutdown(lingerMs: number): void;
  /** The end of the run: close gracefully; the Promise settles when every close has. */
  close(): Promise<void>;
  /** Pipelines that have not completed, answerers that have not completed. */
  unfinished(): string[];
}

export async function startProducer(world: World, index: number, generation: number): Promise<SimProducer> {
  const name = `P${index}${generation > 0 ? `#${generation}` : ''}`;
  const { scheduler, schedule } = world;
  const link: ProducerLink = producerLink(name, world.broker, (message, receipt) =>
    world.sent(message, receipt),
  );
  const topics = schedule.twoAnswerers ? [0, 1] : [0];
  const dbs: SimDatabase[] = [];
  let sql: SqlStateStore | undefined;
  if (schedule.store === 'sql' && world.sql) {
    const db = world.sql.connect(name);
    dbs.push(db);
    sql = await sqlStateStore(db);
  }
  const storeFor = (topic: number): StateStore => sql ?? (world.memoryStores[topic] as StateStore);
  let alive = true; // the process runs (a shutdown lingers before it exits)
  const subs: Subscription[] = [];
  const state = { pipelines: new Map<number, boolean>(), answerers: new Map<number, boolean>() };

  const step = (tx: TxPlan): LocalStep => {
    if (schedule.step === 'local-step' && sql) {
      return sql.localStep(async (session, half) => {
        await session.query('insert into business (message_id) values ($1)', [half.messageId]);
        await scheduler.sleep(tx.latencyMs);
        if (tx.answer === 'throw') throw new Error('simulated business failure');
        return tx.answer === 'rollback' ? TransactionState.Rollback : TransactionState.Commit;
      });
    }
    return (half: Half) =>
      new Promise<TransactionState>((resolve, reject) => {
        scheduler.schedule(() => {
          if (!alive) return; // the process is gone: the step never finishes, its work never commits
          if (tx.answer === 'throw') {
            world.trace(`${name} step ${world.label(half.messageId)} throws`);
            reject(new Error('simulated step failure'));
            return;
          }
          if (tx.answer === 'commit') world.commitWork(half.messageId, index);
          world.trace(`${name} step ${world.label(half.messageId)} answers ${tx.answer}`);
          resolve(tx.answer);
        }, tx.latencyMs);
      });
  };

  // Answerers first: a restarted producer answers check-backs before it sends anything.
  for (const topic of topics) {
    state.answerers.set(topic, false);
    subs.push(
      checkBacks(link.port)
        .pipe(
          answerCheckBacks(storeFor(topic), {
            scheduler,
            concurrency: schedule.answer.concurrency,
            timeoutMs: schedule.answer.timeoutMs,
            maxQueued: schedule.answer.maxQueued,
            ...(schedule.answer.rollbackAbsentAfterMs === undefined
              ? {}
              : { rollbackAbsentAfterMs: schedule.answer.rollbackAbsentAfterMs }),
          }),
        )
        .subscribe({
          next: (a) => {
            const who = world.label(a._tag === 'Malformed' ? '?' : a.check.messageId);
            world.trace(
              a._tag === 'Answered'
                ? `${name} answers ${who} ${a.state} (${a.source}${a.cause ? `, ${a.cause._tag}` : ''}) from store ${topic}`
                : `${name} ${a._tag} ${who} (store ${topic})`,
            );
          },
          complete: () => state.answerers.set(topic, true),
        }),
    );
  }
  world.router.register(link);

  const sources = new Map<number, Subject<TransactionalMessage>>();
  for (const topic of topics) {
    const source = new Subject<TransactionalMessage>();
    sources.set(topic, source);
    state.pipelines.set(topic, false);
    // One pipeline per topic, each transaction's step chosen by its plan.
    subs.push(
      source
        .pipe(
          transactional(link.port, (half: Half) => step(world.planOf(half))(half), {
            scheduler,
            localTimeoutMs: schedule.localTimeoutMs,
            concurrency: 64,
            endRetry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 400 },
            ...(schedule.step === 'plain' ? { store: storeFor(topic) } : {}),
          }),
        )
        .subscribe({
          next: (r) => {
            if (r._tag === 'Rejected') world.trace(`${name} rejected: ${r.error._tag}`);
            else {
              const cause = r.cause ?? r.local.cause ?? r.local.storeError;
              world.trace(
                `${name} ${world.label(r.local.half.messageId)} local ${r.local.state} → ${r.fate}${cause ? ` (${cause._tag})` : ''}`,
              );
            }
          },
          complete: () => state.pipelines.set(topic, true),
        }),
    );
  }

  const die = () => {
    alive = false;
    link.kill();
    for (const db of dbs) db.kill();
    for (const s of subs) s.unsubscribe();
  };

  return {
    name,
    get alive() {
      return alive && link.alive;
    },
    send(tx, i) {
      world.expect(i, tx);
      sources.get(tx.topic)?.next({ topic: world.topic(tx.topic), body: `tx${i}` });
    },
    finish() {
      for (const s of sources.values()) s.complete();
    },
    crash() {
      world.trace(`${name} crashes`);
      die();
    },
    shutdown(lingerMs) {
      world.trace(`${name} shuts down`);
      for (const s of subs) s.unsubscribe();
      link.close();
      const closing = sql ? sql.close() : Promise.resolve();
      world.closing(
        `${name} store.close()`,
        closing.then(() => {
          world.trace(`${name} closed; exits in ${lingerMs} ms`);
          scheduler.schedule(() => {
            world.trace(`${name} exits`);
            die();
          }, lingerMs);
        }),
      );
    },
    async close() {
      link.close();
      if (sql) await sql.close();
    },
    unfinished() {
      const out: string[] = [];
      for (const [t, done] of state.pipelines) if (!done) out.push(`${name} pipeline of topic ${t}`);
      for (const [t, done] of state.answerers) if (!done) out.push(`${name} answerer of store ${t}`);
      return out;
    },
  };
}
