/**
 * Starts a real Apache RocketMQ 5 for the test suite, `npm run broker`, the demo and the bench:
 * a name server and either a gRPC proxy with an embedded broker (the default) or a plain broker
 * (remoting only), optionally with authentication and ACL on, binary remoting headers, or TLS on
 * the proxy with a CA of the run's own.
 *
 * Everything binds 127.0.0.1 where the server allows it, on ports picked free at start, with
 * logs and store in a fresh temporary directory. The server (proxy or broker) can be stopped and
 * started again on the same ports and store while the name server stays up.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificates, type TestCertificates } from './certificates.ts';
import { resolveClasspath } from './classpath.ts';
import { type AdminCredentials, CLUSTER, type TransactionTiming, writeServerConfig } from './config.ts';
import { type Jvm, startJvm, startWatchdog, stopJvm, waitReady } from './jvm.ts';
import { LauncherError } from './LauncherError.ts';
import { freePortBlock } from './ports.ts';
import { createTopicsWithAdmin, type TopicSpec } from './topics.ts';
import { createUsersWithAdmin, type UserSpec } from './users.ts';

export type { TestCertificates } from './certificates.ts';
export { resolveClasspath } from './classpath.ts';
export type { AdminCredentials, TransactionTiming } from './config.ts';
export { LauncherError } from './LauncherError.ts';
export { createTopicsOn, type TopicSpec } from './topics.ts';
export type { UserSpec } from './users.ts';

export interface LaunchOptions {
  /** Deadline for each JVM to report ready, topics excluded. Default 300 s: on a shared, loaded machine
   * the name server took 57 s and the proxy 98 s. */
  readonly startupTimeoutMs?: number;
  /** Keep the temporary directory (logs, store) after stop. Default false. */
  readonly keepData?: boolean;
  /** Where progress lines go. Default: nowhere. */
  readonly log?: (line: string) => void;
  /** Broker transaction-check settings; defaults give a first check ≈2–3 s after a send, then ≈1 s. */
  readonly transactionTimeoutMs?: number;
  readonly transactionCheckIntervalMs?: number;
  readonly transactionCheckMax?: number;
  /** `proxy` (default): gRPC proxy in local mode with an embedded broker. `broker`: no proxy. */
  readonly server?: 'proxy' | 'broker';
  /** Authentication and authorization on, with this super user (the admin CLI signs as it). */
  readonly auth?: AdminCredentials;
  /** Remoting header format the servers write (`-Drocketmq.serialize.type`). Default JSON. */
  readonly serializeType?: 'JSON' | 'ROCKETMQ';
  /** TLS enforced on the proxy's gRPC port, with a certificate signed by a CA made for the run. */
  readonly tls?: boolean;
}

export interface RocketMQ {
  /** gRPC proxy address for rocketmq-client-nodejs, `127.0.0.1:port`; empty without a proxy. */
  readonly endpoints: string;
  /** Name server address, `127.0.0.1:port`. */
  readonly namesrv: string;
  /** The broker's own remoting address (embedded in the proxy, or the plain broker). */
  readonly brokerAddr: string;
  /** The proxy's remoting address; empty without a proxy. */
  readonly proxyRemoting: string;
  readonly cluster: string;
  readonly server: 'proxy' | 'broker';
  readonly serializeType: 'JSON' | 'ROCKETMQ';
  /** The super user when authentication is on. */
  readonly auth: AdminCredentials | undefined;
  /** The CA and server certificate when TLS is on. */
  readonly tls: TestCertificates | undefined;
  /** Temporary directory with `home/logs/rocketmqlogs/*.log` and the store. */
  readonly dataDir: string;
  /** Process ids of the running JVMs (name server, server). */
  readonly pids: readonly number[];
  /** Broker settings in force. */
  readonly transaction: TransactionTiming;
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Creates users and their ACLs; only with `auth`. */
  createUsers(users: readonly UserSpec[]): Promise<void>;
  /** Stops the proxy (or broker), keeping its store; the name server stays up. */
  stopServer(): Promise<void>;
  /** Starts it again on the same ports and store; resolves when it is ready. */
  startServer(): Promise<void>;
  /** Stops every JVM (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
}

export async function launchRocketMQ(options: LaunchOptions = {}): Promise<RocketMQ> {
  const log = options.log ?? (() => {});
  const startupTimeoutMs = options.startupTimeoutMs ?? 300_000;
  const server = options.server ?? 'proxy';
  const serializeType = options.serializeType ?? 'JSON';
  const transaction = {
    timeoutMs: options.transactionTimeoutMs ?? 2000,
    checkIntervalMs: options.transactionCheckIntervalMs ?? 1000,
    checkMax: options.transactionCheckMax ?? 5,
  };
  if (options.tls && server !== 'proxy') throw new LauncherError('tls needs the proxy');
  const classpath = await resolveClasspath(log);

  const dataDir = await mkdtemp(join(tmpdir(), 'rocketmq-rx-'));
  await mkdir(join(dataDir, 'home'), { recursive: true });
  const taken = new Set<number>();
  const namesrvPort = await freePortBlock(1, taken);
  // Block [p-2, p+1]: fast remoting, (unused), listen, HA.
  const brokerPort = (await freePortBlock(4, taken)) + 2;
  const grpcPort = await freePortBlock(1, taken);
  const remotingPort = await freePortBlock(1, taken);
  const namesrv = `127.0.0.1:${namesrvPort}`;
  const brokerAddr = `127.0.0.1:${brokerPort}`;
  const runId = randomUUID().slice(0, 8);

  const tls = options.tls ? await generateCertificates(join(dataDir, 'tls')) : undefined;
  await writeServerConfig(dataDir, {
    ports: { namesrv: namesrvPort, broker: brokerPort, grpc: grpcPort, proxyRemoting: remotingPort },
    transaction,
    admin: options.auth,
    tls,
  });

  const common = [
    `-Drocketmq.home.dir=${join(dataDir, 'home')}`,
    `-Duser.home=${join(dataDir, 'home')}`,
    `-Drocketmq.rx.run=${runId}`,
    `-Drocketmq.serialize.type=${serializeType}`,
    '-XX:+UseSerialGC',
    '-cp',
    classpath,
  ];
  const serverArgs =
    server === 'proxy'
      ? [
          '-Xms256m',
          '-Xmx1g',
          // Enforced in the proxy's JVM only: its gRPC port, and with it the embedded broker's and
          // the proxy's remoting ports. The name server stays permissive (TLS or plaintext), so the
          // broker registers in plaintext and the admin CLI, which then speaks TLS, still reaches it.
          ...(tls ? ['-Dtls.server.mode=enforcing'] : []),
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
        ]
      : ['-Xms256m', '-Xmx768m', ...common, 'org.apache.rocketmq.broker.BrokerStartup', '-c', 'broker.conf'];
  const [readyLine, logFile] =
    server === 'proxy'
      ? ['rocketmq-proxy startup successfully', 'proxy.log']
      : ['boot success. serializeType=', 'broker.log'];

  let ns: Jvm | undefined;
  let serverJvm: Jvm | undefined;
  let watchdog: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  const alive = (j: Jvm | undefined): j is Jvm =>
    j !== undefined && j.child.exitCode === null && j.child.signalCode === null;
  const running = () => [ns, serverJvm].filter(alive);
  const watch = () => {
    if (watchdog?.pid) {
      try {
        process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    watchdog = startWatchdog(
      running()
        .map((j) => j.child.pid ?? 0)
        .filter(Boolean),
    );
  };
  const stop = () => {
    stopped ??= (async () => {
      // Server first: it deregisters the broker from the name server on its way down.
      if (serverJvm) await stopJvm(serverJvm, 10_000);
      if (ns) await stopJvm(ns, 10_000);
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
  const startServer = async () => {
    if (stopped) throw new LauncherError('this RocketMQ was stopped');
    if (alive(serverJvm)) return;
    const what = server === 'proxy' ? 'proxy (local mode, embedded broker)' : 'broker';
    log(`Starting RocketMQ ${what} on ${server === 'proxy' ? `127.0.0.1:${grpcPort}` : brokerAddr}…`);
    serverJvm = startJvm(server, serverArgs, dataDir);
    watch();
    await waitReady(serverJvm, readyLine, Date.now() + startupTimeoutMs, dataDir, logFile);
  };
  const stopServer = async () => {
    if (serverJvm) await stopJvm(serverJvm, 10_000);
    watch();
  };

  try {
    log(`Starting RocketMQ name server on ${namesrv}…`);
    ns = startJvm(
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
    watch();
    await waitReady(
      ns,
      'The Name Server boot success',
      Date.now() + startupTimeoutMs,
      dataDir,
      'namesrv.log',
    );
    await startServer();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    endpoints: server === 'proxy' ? `127.0.0.1:${grpcPort}` : '',
    namesrv,
    brokerAddr,
    proxyRemoting: server === 'proxy' ? `127.0.0.1:${remotingPort}` : '',
    cluster: CLUSTER,
    server,
    serializeType,
    auth: options.auth,
    tls,
    dataDir,
    get pids() {
      return running().map((j) => j.child.pid ?? 0);
    },
    transaction,
    createTopics: (topics) =>
      createTopicsWithAdmin(classpath, dataDir, namesrv, CLUSTER, topics, tls ? ['-Dtls.enable=true'] : []),
    createUsers: async (users) => {
      if (!options.auth) throw new LauncherError('createUsers needs a RocketMQ launched with auth');
      await createUsersWithAdmin(classpath, dataDir, brokerAddr, users);
    },
    stopServer,
    startServer,
    stop,
  };
}
