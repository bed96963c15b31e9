/**
 * Starts a real Apache RocketMQ 5 (name server + gRPC proxy with an embedded broker) for the
 * test suite, `npm run broker` and the demo.
 *
 * Everything binds 127.0.0.1 where the server allows it, on ports picked free at start, with
 * logs and store in a fresh temporary directory.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveClasspath } from './classpath.ts';
import { CLUSTER, type TransactionTiming, writeServerConfig } from './config.ts';
import { type Jvm, startJvm, startWatchdog, stopJvm, waitReady } from './jvm.ts';
import { freePortBlock } from './ports.ts';
import { createTopicsWithAdmin, type TopicSpec } from './topics.ts';

export { resolveClasspath } from './classpath.ts';
export { LauncherError } from './LauncherError.ts';
export { createTopicsOn, type TopicSpec } from './topics.ts';

export interface LaunchOptions {
  /** Deadline for the whole start, topics excluded. Default 90 s. */
  readonly startupTimeoutMs?: number;
  /** Keep the temporary directory (logs, store) after stop. Default false. */
  readonly keepData?: boolean;
  /** Where progress lines go. Default: nowhere. */
  readonly log?: (line: string) => void;
  /** Broker transaction-check settings; defaults give a first check ≈2–3 s after a send, then ≈1 s. */
  readonly transactionTimeoutMs?: number;
  readonly transactionCheckIntervalMs?: number;
  readonly transactionCheckMax?: number;
}

export interface RocketMQ {
  /** gRPC proxy address for rocketmq-client-nodejs, `127.0.0.1:port`. */
  readonly endpoints: string;
  /** Name server address, `127.0.0.1:port` (topic administration). */
  readonly namesrv: string;
  readonly cluster: string;
  /** Temporary directory with `logs/rocketmqlogs/*.log` and the store. */
  readonly dataDir: string;
  /** Process ids of the JVMs (name server, proxy). */
  readonly pids: readonly number[];
  /** Broker settings in force. */
  readonly transaction: TransactionTiming;
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Stops both JVMs (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
}

export async function launchRocketMQ(options: LaunchOptions = {}): Promise<RocketMQ> {
  const log = options.log ?? (() => {});
  const startupTimeoutMs = options.startupTimeoutMs ?? 90_000;
  const transaction = {
    timeoutMs: options.transactionTimeoutMs ?? 2000,
    checkIntervalMs: options.transactionCheckIntervalMs ?? 1000,
    checkMax: options.transactionCheckMax ?? 5,
  };
  const classpath = await resolveClasspath(log);
  const deadline = Date.now() + startupTimeoutMs;

  const dataDir = await mkdtemp(join(tmpdir(), 'rocketmq-rx-'));
  await mkdir(join(dataDir, 'home'), { recursive: true });
  const taken = new Set<number>();
  const namesrvPort = await freePortBlock(1, taken);
  // Block [p-2, p+1]: fast remoting, (unused), listen, HA.
  const brokerPort = (await freePortBlock(4, taken)) + 2;
  const grpcPort = await freePortBlock(1, taken);
  const remotingPort = await freePortBlock(1, taken);
  const namesrv = `127.0.0.1:${namesrvPort}`;
  const runId = randomUUID().slice(0, 8);

  await writeServerConfig(
    dataDir,
    { namesrv: namesrvPort, broker: brokerPort, grpc: grpcPort, proxyRemoting: remotingPort },
    transaction,
  );

  const common = [
    `-Drocketmq.home.dir=${join(dataDir, 'home')}`,
    `-Duser.home=${join(dataDir, 'home')}`,
    `-Drocketmq.rx.run=${runId}`,
    '-XX:+UseSerialGC',
    '-cp',
    classpath,
  ];
  const jvms: Jvm[] = [];
  let watchdog: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // Proxy first: it deregisters the broker from the name server on its way down.
      for (const jvm of [...jvms].reverse()) await stopJvm(jvm, 10_000);
      if (watchdog?.pid) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    log(`Starting RocketMQ name server on ${namesrv}…`);
    const ns = startJvm(
      'name server',
      [
        '-Xms128m',
        '-Xmx256m',
        ...common,
        'org.apache.rocketmq.namesrv.NamesrvStartup',
        '-c',
        'namesrv.properties',
      ],
      dataDir,
    );
    jvms.push(ns);
    watchdog = startWatchdog(jvms.map((j) => j.child.pid ?? 0).filter(Boolean));
    await waitReady(ns, 'The Name Server boot success', deadline, dataDir, 'namesrv.log');

    log(`Starting RocketMQ proxy (local mode, embedded broker) on 127.0.0.1:${grpcPort}…`);
    const proxy = startJvm(
      'proxy',
      [
        '-Xms256m',
        '-Xmx1g',
        ...common,
        'org.apache.rocketmq.proxy.ProxyStartup',
        '-pm',
        'local',
        '-pc',
        'proxy.json',
        '-bc',
        'broker.conf',
        '-n',
        namesrv,
      ],
      dataDir,
    );
    jvms.push(proxy);
    if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    watchdog = startWatchdog(jvms.map((j) => j.child.pid ?? 0).filter(Boolean));
    await waitReady(proxy, 'rocketmq-proxy startup successfully', deadline, dataDir, 'proxy.log');
  } catch (err) {
    await stop();
    throw err;
  }

  const createTopics = async (topics: readonly TopicSpec[]) => {
    await createTopicsWithAdmin(classpath, dataDir, namesrv, CLUSTER, topics);
  };

  return {
    endpoints: `127.0.0.1:${grpcPort}`,
    namesrv,
    cluster: CLUSTER,
    dataDir,
    pids: jvms.map((j) => j.child.pid ?? 0),
    transaction,
    createTopics,
    stop,
  };
}
