/**
 * vitest globalSetup of the integration project: a real RocketMQ for the run.
 * With ROCKETMQ_ENDPOINTS (gRPC proxy) and ROCKETMQ_NAMESRV (for topic creation) set, that
 * RocketMQ is used and nothing is started. Tests that need a differently configured server start
 * their own (onDemandBroker.ts).
 */
import { randomUUID } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createTopicsOn, launchRocketMQ, type RocketMQ } from '../../rocketmq/launcher.ts';
import { testTopics } from './topics.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rocketmq: {
      endpoints: string;
      namesrv: string;
      /** The broker's remoting address (the proxy's embedded broker); '' if unknown. */
      brokerAddr: string;
      /** The proxy's remoting address; '' if unknown. */
      proxyRemoting: string;
      external: boolean;
      topics: Record<string, string>;
      transaction: { timeoutMs: number; checkIntervalMs: number; checkMax: number };
    };
  }
}

let server: RocketMQ | undefined;

export default async function setup(project: TestProject) {
  const runId = randomUUID().replaceAll('-', '').slice(0, 8);
  const topics = Object.fromEntries(Object.keys(testTopics).map((k) => [k, `rx_${k}_${runId}`]));
  const specs = Object.entries(testTopics).map(([k, type]) => ({ name: topics[k] as string, type }));
  const log = (line: string) => console.log(`[rocketmq] ${line}`);

  const endpoints = process.env.ROCKETMQ_ENDPOINTS;
  const namesrv = process.env.ROCKETMQ_NAMESRV;
  if (endpoints) {
    if (!namesrv)
      throw new Error(
        'ROCKETMQ_ENDPOINTS is set but ROCKETMQ_NAMESRV is not: topic creation needs the name server address',
      );
    log(`using the existing RocketMQ at ${endpoints} (name server ${namesrv})`);
    await createTopicsOn(namesrv, specs, { cluster: process.env.ROCKETMQ_CLUSTER, log });
    project.provide('rocketmq', {
      endpoints,
      namesrv,
      brokerAddr: process.env.ROCKETMQ_BROKER_ADDR ?? '',
      proxyRemoting: process.env.ROCKETMQ_PROXY_REMOTING ?? '',
      external: true,
      topics,
      // An external broker's check settings cannot be read through the proxy: they are declared
      // (npm run broker prints them), else the real server's defaults are assumed.
      transaction: {
        timeoutMs: Number(process.env.ROCKETMQ_TRANSACTION_TIMEOUT_MS ?? 6000),
        checkIntervalMs: Number(process.env.ROCKETMQ_CHECK_INTERVAL_MS ?? 30_000),
        checkMax: Number(process.env.ROCKETMQ_CHECK_MAX ?? 15),
      },
    });
    return;
  }

  const started = Date.now();
  server = await launchRocketMQ({ log });
  const stopOnSignal = () => void server?.stop();
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    await server.createTopics(specs);
  } catch (err) {
    await server.stop();
    throw err;
  }
  log(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)} s: proxy ${server.endpoints}, name server ${server.namesrv}`,
  );
  project.provide('rocketmq', {
    endpoints: server.endpoints,
    namesrv: server.namesrv,
    brokerAddr: server.brokerAddr,
    proxyRemoting: server.proxyRemoting,
    external: false,
    topics,
    transaction: server.transaction,
  });

  return async () => {
    await server?.stop();
    log('stopped');
  };
}
