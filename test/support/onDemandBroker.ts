/**
 * A RocketMQ of a test file's own, for tests that need the server configured differently from
 * the suite's (authentication, binary headers, TLS, no proxy, a wider check window) or that stop
 * and restart it. Started in `beforeAll`, stopped in `afterAll` — on failure too, and by the
 * launcher's watchdog if the worker process dies — so the default suite pays nothing for it.
 *
 *   const rocketmq = useRocketMQ({ server: 'broker', topics: { orders: 'TRANSACTION' } });
 *   it('…', () => { const { mq, topics } = rocketmq(); … });
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { type LaunchOptions, launchRocketMQ, type RocketMQ, type UserSpec } from '../../rocketmq/launcher.ts';

export interface OnDemandOptions extends LaunchOptions {
  /** Topics to create, by key; their names get a per-run suffix. */
  readonly topics: Readonly<Record<string, 'TRANSACTION' | 'NORMAL'>>;
  /** Users to create (only with `auth`). */
  readonly users?: readonly UserSpec[];
}

export interface OnDemandRocketMQ {
  readonly mq: RocketMQ;
  /** Topic names by the keys given. */
  readonly topics: Readonly<Record<string, string>>;
}

/** Starts a RocketMQ for this file; returns a getter for it (valid inside tests). */
export async function startOnDemand(options: OnDemandOptions): Promise<OnDemandRocketMQ> {
  const runId = randomUUID().replaceAll('-', '').slice(0, 8);
  const topics = Object.fromEntries(Object.keys(options.topics).map((k) => [k, `rx_${k}_${runId}`]));
  const mq = await launchRocketMQ({
    log: (line) => console.log(`[rocketmq on demand] ${line}`),
    // ROCKETMQ_KEEP_DATA=1 keeps the servers' logs and store for a look after the run.
    keepData: process.env.ROCKETMQ_KEEP_DATA === '1',
    ...options,
  });
  if (mq.dataDir && process.env.ROCKETMQ_KEEP_DATA === '1')
    console.log(`[rocketmq on demand] data in ${mq.dataDir}`);
  try {
    await mq.createTopics(
      Object.entries(options.topics).map(([k, type]) => ({ name: topics[k] as string, type })),
    );
    if (options.users?.length) await mq.createUsers(options.users);
  } catch (err) {
    await mq.stop();
    throw err;
  }
  return { mq, topics };
}

export function useRocketMQ(options: OnDemandOptions): () => OnDemandRocketMQ {
  let starting: Promise<OnDemandRocketMQ> | undefined;
  let started: OnDemandRocketMQ | undefined;
  beforeAll(async () => {
    starting = startOnDemand(options);
    started = await starting;
  }, 700_000);
  afterAll(async () => {
    // A start still under way when beforeAll timed out is stopped once it finishes.
    const server = started ?? (await starting?.catch(() => undefined));
    await server?.mq.stop();
  }, 60_000);
  return () => {
    if (!started) throw new Error('the on-demand RocketMQ is not running (its start failed)');
    return started;
  };
}
