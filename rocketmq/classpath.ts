/**
 * The server's jars come from Maven Central through `rocketmq/pom.xml`; they stay in Maven's local
 * repository and nothing is committed. The resolved classpath is cached per pom content.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LauncherError } from './LauncherError.ts';
import { requireTool, run, tail } from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const pomPath = join(here, 'pom.xml');
const cacheDir = join(here, '..', 'node_modules', '.cache', 'rocketmq-rx');

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
