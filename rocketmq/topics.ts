/** Topic administration through the admin CLI (`MQAdminStartup`), one JVM start per batch. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveClasspath } from './classpath.ts';
import { LauncherError } from './LauncherError.ts';
import { run, tail } from './processes.ts';

/** A topic the launcher creates, TRANSACTION-typed or NORMAL. */
export interface TopicSpec {
  readonly name: string;
  readonly type: 'TRANSACTION' | 'NORMAL';
}

function adminArgs(
  classpath: string,
  dataDir: string,
  args: readonly string[],
  flags: readonly string[] = [],
): string[] {
  return [
    ...flags,
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

/**
 * Creates topics with the admin CLI in one JVM start. The CLI exits 0 even when it fails, so its
 * output is checked for the success line.
 */
export async function createTopicsWithAdmin(
  classpath: string,
  workDir: string,
  namesrv: string,
  cluster: string,
  topics: readonly TopicSpec[],
  /** JVM flags for the admin CLI, e.g. `-Dtls.enable=true` for a server that enforces TLS. */
  flags: readonly string[] = [],
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
  // admin tool finds no such cluster. On a loaded machine its requests also time out (it allows
  // a few seconds per call). Retry those cases only, for a while.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await run(
      'java',
      adminArgs(classpath, workDir, ['updateTopicList', '-n', namesrv, '-c', cluster, '-f', file], flags),
      { timeoutMs: 60_000 },
    );
    const text = r.stdout + r.stderr;
    if (/submit batch of topic config to .* success/.test(text)) return;
    if (!/clusterName exists|RemotingTimeoutException/.test(text) || Date.now() > deadline) {
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
