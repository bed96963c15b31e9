/**
 * Runs the official RocketMQ 5.x Java client program (Java5Client.java) with Java's source
 * launcher, on a classpath Maven resolves once from pom.xml (cached next to the server's).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pom = join(here, 'pom.xml');
const cacheDir = join(tmpdir(), 'rocketmq-rx-java5');

function mvn(args: string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    execFile('mvn', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err) =>
      resolve(err ? (typeof err.code === 'number' ? err.code : -1) : 0),
    );
  });
}

/** Offline first: a cached run needs no network. */
export async function java5Classpath(): Promise<string> {
  const key = createHash('sha256')
    .update(await readFile(pom))
    .digest('hex')
    .slice(0, 16);
  const cached = join(cacheDir, `classpath-${key}.txt`);
  if (existsSync(cached)) {
    const cp = (await readFile(cached, 'utf8')).trim();
    if (cp.split(':').every((jar) => existsSync(jar))) return cp;
  }
  await mkdir(cacheDir, { recursive: true });
  const out = join(cacheDir, `classpath-${key}.${process.pid}.tmp`);
  const base = ['-B', '-q', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${out}`];
  if ((await mvn(['-o', ...base], 120_000)) !== 0 && (await mvn(base, 14 * 60_000)) !== 0) {
    throw new Error('Maven could not resolve rocketmq-client-java 5.0.8 (bench/java5/pom.xml)');
  }
  const cp = (await readFile(out, 'utf8')).trim();
  await writeFile(cached, cp);
  await rm(out, { force: true });
  return cp;
}

export interface Java5Process {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitFor(predicate: (lines: readonly string[]) => boolean, ms: number): Promise<void>;
  /** Waits for the exit (killing it after `ms`) and removes its home directory. */
  finished(ms: number): Promise<number | null>;
}

/** Starts Java5Client with `args`; its logs go to a home directory of its own, removed afterwards. */
export async function startJava5(args: readonly string[]): Promise<Java5Process> {
  const cp = await java5Classpath();
  const home = await mkdtemp(join(tmpdir(), 'rx-java5-'));
  const child = spawn(
    'java',
    ['-Xmx256m', `-Duser.home=${home}`, '-cp', cp, join(here, 'Java5Client.java'), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    async waitFor(predicate, ms) {
      const deadline = Date.now() + ms;
      while (!predicate(lines)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `Java5Client ${args[0]}: ${child.exitCode === null ? 'timed out' : `exited ${child.exitCode}`}\n${lines.join('\n')}\n${stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async finished(ms) {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
        await rm(home, { recursive: true, force: true });
      }
    },
  };
}
