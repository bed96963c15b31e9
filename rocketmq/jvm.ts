/**
 * The server JVMs' lifecycle: start, wait for the readiness line, stop (SIGTERM, then SIGKILL),
 * and the watchdog that kills them if the Node process that started them dies first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LauncherError } from './LauncherError.ts';
import { tail } from './processes.ts';

export interface Jvm {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export function startJvm(name: string, args: readonly string[], cwd: string): Jvm {
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

export async function waitReady(
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

export async function stopJvm(jvm: Jvm, graceMs: number): Promise<void> {
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
export function startWatchdog(pids: readonly number[]): ChildProcess {
  const list = pids.join(' ');
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -TERM ${list} 2>/dev/null; sleep 5; kill -KILL ${list} 2>/dev/null; exit 0`;
  const dog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  dog.unref();
  return dog;
}
