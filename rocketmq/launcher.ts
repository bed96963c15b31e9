/**
 * Starts a real Apache RocketMQ 5 (name server + gRPC proxy with an embedded broker) for the
 * test suite, `npm run broker` and the demo. The server comes from Maven Central through
 * `rocketmq/pom.xml`; jars stay in Maven's local repository and nothing is committed.
 *
 * Everything binds 127.0.0.1 where the server allows it, on ports picked free at start, with
 * logs and store in a fresh temporary directory. Broker settings make transaction checks fast.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pomPath = join(here, 'pom.xml');
const cacheDir = join(here, '..', 'node_modules', '.cache', 'rocketmq-rx');

/** A topic the launcher creates, TRANSACTION-typed or NORMAL. */
export interface TopicSpec {
  readonly name: string;
  readonly type: 'TRANSACTION' | 'NORMAL';
}

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
  readonly transaction: {
    readonly timeoutMs: number;
    readonly checkIntervalMs: number;
    readonly checkMax: number;
  };
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Stops both JVMs (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  stop(): Promise<void>;
}

export class LauncherError extends Error {
  override readonly name = 'LauncherError';
}

const CLUSTER = 'RxCluster';

// ---------------------------------------------------------------------------------------------
// Prerequisites and classpath

function run(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function requireTool(file: string, args: string[], install: string): Promise<void> {
  const r = await run(file, args, { timeoutMs: 30_000 }).catch(() => ({ code: -1 }));
  if (r.code !== 0) {
    throw new LauncherError(
      `${file} was not found or does not run; the RocketMQ test server needs it. Install it (${install}), or set ROCKETMQ_ENDPOINTS and ROCKETMQ_NAMESRV to use an existing RocketMQ 5.`,
    );
  }
}

/** Resolves the server's classpath with Maven: offline first (a cached run needs no network). */
export async function resolveClasspath(log: (line: string) => void = () => {}): Promise<string> {
  await requireTool('java', ['-version'], 'a Java 17 runtime, e.g. apt-get install openjdk-17-jre-headless');
  const pom = await readFile(pomPath);
  const key = createHash('sha256').update(pom).digest('hex').slice(0, 16);
  const cached = join(cacheDir, `classpath-${key}.txt`);
  if (existsSync(cached)) {
    const cp = (await readFile(cached, 'utf8')).trim();
    if (cp.split(':').every((jar) => existsSync(jar))) return cp;
  }
  await requireTool('mvn', ['-v'], 'Apache Maven, e.g. apt-get install maven');
  await mkdir(cacheDir, { recursive: true });
  const out = join(cacheDir, `classpath-${key}.tmp`);
  const base = ['-B', '-q', '-f', pomPath, 'dependency:build-classpath', `-Dmdep.outputFile=${out}`];
  let r = await run('mvn', ['-o', ...base], { timeoutMs: 120_000 });
  if (r.code !== 0) {
    log('Resolving Apache RocketMQ from Maven Central (first run only)…');
    r = await run('mvn', base, { timeoutMs: 14 * 60_000 });
  }
  if (r.code !== 0 || !existsSync(out)) {
    throw new LauncherError(
      `Maven could not resolve the RocketMQ server (rocketmq/pom.xml):\n${tail(r.stdout + r.stderr, 30)}`,
    );
  }
  const cp = (await readFile(out, 'utf8')).trim();
  await writeFile(cached, cp);
  await rm(out, { force: true });
  return cp;
}

// ---------------------------------------------------------------------------------------------
// Ports

function portFree(port: number): Promise<boolean> {
  // Probe on all addresses: the name server and broker listen on 0.0.0.0 whatever we ask.
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * The range to pick listening ports from: below the kernel's ephemeral range, whose ports may be
 * taken at any moment as the local end of an outgoing connection (the broker's own connection to
 * the name server, say) between our check and the JVM's bind.
 */
async function listeningRange(): Promise<[number, number]> {
  try {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && low > 12_000) return [10_000, low - 1];
  } catch {
    // not Linux: fall through
  }
  return [10_000, 30_000];
}

/** `count` consecutive free ports; the broker also takes listenPort−2 and listenPort+1. */
async function freePortBlock(count: number, taken: Set<number>): Promise<number> {
  const [low, high] = await listeningRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => taken.has(p))) continue;
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) {
      for (const p of ports) taken.add(p);
      return base;
    }
  }
  throw new LauncherError(`no block of ${count} free ports found on this machine`);
}

// ---------------------------------------------------------------------------------------------
// JVMs

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

interface Jvm {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startJvm(name: string, args: readonly string[], cwd: string): Jvm {
  const child = spawn('java', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  return { name, child, output: () => out, exited };
}

async function lastLog(dataDir: string, file: string): Promise<string> {
  try {
    return tail(await readFile(join(dataDir, 'home', 'logs', 'rocketmqlogs', file), 'utf8'), 25);
  } catch {
    return '(no log file)';
  }
}

async function waitReady(
  jvm: Jvm,
  line: string,
  deadline: number,
  dataDir: string,
  logFile: string,
): Promise<void> {
  for (;;) {
    if (jvm.output().includes(line)) return;
    if (jvm.child.exitCode !== null || jvm.child.signalCode !== null) {
      throw new LauncherError(
        `the RocketMQ ${jvm.name} exited during startup (code ${jvm.child.exitCode ?? jvm.child.signalCode}).\n` +
          `--- last output ---\n${tail(jvm.output(), 25)}\n--- last lines of ${logFile} ---\n${await lastLog(dataDir, logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new LauncherError(
        `the RocketMQ ${jvm.name} did not report "${line}" before the startup deadline.\n` +
          `--- last output ---\n${tail(jvm.output(), 25)}\n--- last lines of ${logFile} ---\n${await lastLog(dataDir, logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopJvm(jvm: Jvm, graceMs: number): Promise<void> {
  if (jvm.child.exitCode !== null || jvm.child.signalCode !== null) return;
  jvm.child.kill('SIGTERM');
  const done = await Promise.race([
    jvm.exited.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref()),
  ]);
  if (!done) {
    jvm.child.kill('SIGKILL');
    await jvm.exited;
  }
}

/**
 * A detached shell that kills the JVMs if this Node process dies without stopping them
 * (SIGKILL of the test runner, a crash): no JVM may outlive the run that started it.
 */
function startWatchdog(pids: readonly number[]): ChildProcess {
  const list = pids.join(' ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${list} 2>/dev/null; sleep 5; kill -KILL ${list} 2>/dev/null; exit 0`;
  const dog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  dog.unref();
  return dog;
}

// ---------------------------------------------------------------------------------------------
// Topics

function adminArgs(classpath: string, dataDir: string, args: readonly string[]): string[] {
  return [
    '-Xms64m',
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    `-Drocketmq.home.dir=${join(dataDir, 'home')}`,
    `-Duser.home=${join(dataDir, 'admin-home')}`,
    '-cp',
    classpath,
    'org.apache.rocketmq.tools.command.MQAdminStartup',
    ...args,
  ];
}

// ---------------------------------------------------------------------------------------------

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

  await writeFile(
    join(dataDir, 'namesrv.properties'),
    [`listenPort=${namesrvPort}`, 'bindAddress=127.0.0.1', ''].join('\n'),
  );
  // Values must be clean: a trailing comment or space makes the broker ignore the line silently.
  await writeFile(
    join(dataDir, 'broker.conf'),
    [
      `brokerClusterName=${CLUSTER}`,
      'brokerName=rx-broker',
      'brokerId=0',
      `namesrvAddr=${namesrv}`,
      `listenPort=${brokerPort}`,
      'bindAddress=127.0.0.1',
      // Routes hand clients brokerIP1:grpcPort; the default is the first non-loopback address.
      'brokerIP1=127.0.0.1',
      `storePathRootDir=${join(dataDir, 'store')}`,
      `storePathCommitLog=${join(dataDir, 'store', 'commitlog')}`,
      'mappedFileSizeCommitLog=67108864',
      'autoCreateTopicEnable=false',
      `transactionTimeOut=${transaction.timeoutMs}`,
      `transactionCheckInterval=${transaction.checkIntervalMs}`,
      `transactionCheckMax=${transaction.checkMax}`,
      // Well below transactionTimeOut, or committed messages get spurious checks.
      'transactionOpBatchInterval=200',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dataDir, 'proxy.json'),
    JSON.stringify({
      rocketMQClusterName: CLUSTER,
      namesrvAddr: namesrv,
      proxyMode: 'local',
      grpcServerPort: grpcPort,
      remotingListenPort: remotingPort,
      grpcShutdownTimeSeconds: 1,
      transactionDataMaxWaitClearMillis: 1000,
      topicRouteServiceCacheRefreshSeconds: 2,
    }),
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

/**
 * Creates topics with the admin CLI in one JVM start. The CLI exits 0 even when it fails, so its
 * output is checked for the success line.
 */
async function createTopicsWithAdmin(
  classpath: string,
  workDir: string,
  namesrv: string,
  cluster: string,
  topics: readonly TopicSpec[],
): Promise<void> {
  if (topics.length === 0) return;
  const file = join(workDir, `topics-${randomUUID().slice(0, 8)}.json`);
  await writeFile(
    file,
    JSON.stringify(
      topics.map((t) => ({
        topicName: t.name,
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        ...(t.type === 'TRANSACTION' ? { attributes: { '+message.type': 'TRANSACTION' } } : {}),
      })),
    ),
  );
  // The proxy reports ready before its broker has registered with the name server; until then the
  // admin tool finds no such cluster. Retry that case only, for a while.
  const deadline = Date.now() + 45_000;
  for (;;) {
    const r = await run(
      'java',
      adminArgs(classpath, workDir, ['updateTopicList', '-n', namesrv, '-c', cluster, '-f', file]),
      { timeoutMs: 60_000 },
    );
    const text = r.stdout + r.stderr;
    if (/submit batch of topic config to .* success/.test(text)) return;
    if (!/clusterName exists/.test(text) || Date.now() > deadline) {
      throw new LauncherError(`creating topics failed:\n${tail(text, 30)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Finds the cluster name of an existing RocketMQ (for topic creation against it). */
async function clusterOf(classpath: string, workDir: string, namesrv: string): Promise<string> {
  const r = await run('java', adminArgs(classpath, workDir, ['clusterList', '-n', namesrv]), {
    timeoutMs: 60_000,
  });
  const line = (r.stdout + r.stderr)
    .split('\n')
    .find((l) => /^\S+\s+\S+\s+\d+\s+\d+\.\d+\.\d+\.\d+:\d+/.test(l));
  const name = line?.split(/\s+/)[0];
  if (!name) {
    throw new LauncherError(
      `could not read the cluster name from ${namesrv}:\n${tail(r.stdout + r.stderr, 20)}`,
    );
  }
  return name;
}

/**
 * Creates topics on an existing RocketMQ, found through its name server; its cluster is read from
 * the name server unless given.
 */
export async function createTopicsOn(
  namesrv: string,
  topics: readonly TopicSpec[],
  options: { readonly cluster?: string | undefined; readonly log?: (line: string) => void } = {},
): Promise<void> {
  const classpath = await resolveClasspath(options.log);
  const work = await mkdtemp(join(tmpdir(), 'rocketmq-rx-admin-'));
  try {
    const cluster = options.cluster ?? (await clusterOf(classpath, work, namesrv));
    await createTopicsWithAdmin(classpath, work, namesrv, cluster, topics);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
