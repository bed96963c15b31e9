/**
 * The package as a user installs it: the tarball `npm pack` makes, unpacked into a project of its
 * own with its dependencies and its peer rxjs, loaded by child Node processes with `import` and
 * with `require` — not the sources the other tests alias `rocketmq-rx` to.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** One transaction committed and one message refused, then each build's error shown to the other. */
const esmProbe = `
import { createRequire } from 'node:module';
import { from, lastValueFrom, toArray } from 'rxjs';
import * as mine from 'rocketmq-rx';
import { virtualBroker } from 'rocketmq-rx/testing';
const other = createRequire(import.meta.url)('rocketmq-rx');
const broker = virtualBroker();
const results = await lastValueFrom(
  from([{ topic: 'Orders', body: 'order #1' }, { topic: 'Orders', body: '' }]).pipe(
    mine.transactional(broker, async () => mine.TransactionState.Commit),
    toArray(),
  ),
);
const refused = results.find((r) => r._tag === 'Rejected').error;
const foreign = new other.ThrottledError('busy');
console.log(JSON.stringify({
  outcomes: results.map((r) => (r._tag === 'Resolved' ? r.fate : r.error._tag)).sort(),
  delivered: broker.delivered().map((d) => Buffer.from(d.message.body).toString()),
  ownError: mine.isRocketMQRxError(refused) && refused instanceof mine.ValidationError,
  otherRecognisesMine: other.isRocketMQRxError(refused),
  mineRecognisesOther: mine.isRocketMQRxError(foreign) && mine.isRetryable(foreign),
  instanceofAcrossBuilds: refused instanceof other.RocketMQRxError,
  strangerRecognised: mine.isRocketMQRxError(new Error('x')),
}));
broker.close();
`;

const cjsProbe = `
const { from, lastValueFrom, toArray } = require('rxjs');
const mine = require('rocketmq-rx');
const { virtualBroker } = require('rocketmq-rx/testing');
(async () => {
  const other = await import('rocketmq-rx');
  const broker = virtualBroker();
  const results = await lastValueFrom(
    from([{ topic: 'Orders', body: 'order #1' }, { topic: 'Orders', body: '' }]).pipe(
      mine.transactional(broker, async () => mine.TransactionState.Commit),
      toArray(),
    ),
  );
  const refused = results.find((r) => r._tag === 'Rejected').error;
  const foreign = new other.ThrottledError('busy');
  console.log(JSON.stringify({
    outcomes: results.map((r) => (r._tag === 'Resolved' ? r.fate : r.error._tag)).sort(),
    delivered: broker.delivered().map((d) => Buffer.from(d.message.body).toString()),
    ownError: mine.isRocketMQRxError(refused) && refused instanceof mine.ValidationError,
    otherRecognisesMine: other.isRocketMQRxError(refused),
    mineRecognisesOther: mine.isRocketMQRxError(foreign) && mine.isRetryable(foreign),
    instanceofAcrossBuilds: refused instanceof other.RocketMQRxError,
    strangerRecognised: mine.isRocketMQRxError(new Error('x')),
  }));
  broker.close();
})();
`;

let project: string;

async function builtFromSources(): Promise<boolean> {
  const outputs = ['index.js', 'index.cjs', 'testing.js', 'testing.cjs'].map((f) => join(root, 'dist', f));
  if (!outputs.every((f) => existsSync(f))) return false;
  const builtAt = Math.min(...(await Promise.all(outputs.map(async (f) => (await stat(f)).mtimeMs))));
  const sources = (await readdir(join(root, 'src'), { recursive: true })).map((f) => join(root, 'src', f));
  const changedAt = Math.max(...(await Promise.all(sources.map(async (f) => (await stat(f)).mtimeMs))));
  return changedAt < builtAt;
}

// Five minutes: a build on a busy machine takes more than one.
beforeAll(async () => {
  // CI builds first; a fresh checkout, or sources edited since the last build, get a build here.
  if (!(await builtFromSources())) await run('npm', ['run', 'build'], { cwd: root });
  project = await mkdtemp(join(tmpdir(), 'rocketmq-rx-installed-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const installed = join(project, 'node_modules', 'rocketmq-rx');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', join(project, filename), '--strip-components=1', '-C', installed]);
  // Its dependencies and the peer rxjs, as the clean clone's `npm ci` installed them: only what
  // the tarball's package.json names is reachable, so a missing dependency fails to load.
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const name of [...Object.keys(manifest.dependencies), 'rxjs']) {
    await mkdir(join(project, 'node_modules', name, '..'), { recursive: true });
    await symlink(join(root, 'node_modules', name), join(project, 'node_modules', name), 'dir');
  }
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
  await writeFile(join(project, 'probe.mjs'), esmProbe);
  await writeFile(join(project, 'probe.cjs'), cjsProbe);
}, 300_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the installed package', () => {
  it.each(['probe.mjs', 'probe.cjs'])(
    'runs a transaction on the virtual broker and shares its errors with the other build (%s)',
    async (probe) => {
      // The process must end by itself: a timer or socket left open would keep it alive.
      const { stdout } = await run(process.execPath, [probe], { cwd: project, timeout: 30_000 });
      expect(JSON.parse(stdout)).toEqual({
        outcomes: ['ValidationError', 'committed'],
        delivered: ['order #1'],
        ownError: true,
        otherRecognisesMine: true,
        mineRecognisesOther: true,
        // Why the brand exists: the two builds are two sets of classes.
        instanceofAcrossBuilds: false,
        strangerRecognised: false,
      });
    },
  );

  it('loads the build each module system asks for', async () => {
    const which = `console.log(require.resolve('rocketmq-rx'), require.resolve('rocketmq-rx/testing'))`;
    const { stdout } = await run(process.execPath, ['-e', which], { cwd: project });
    expect(
      stdout
        .trim()
        .split(' ')
        .map((p) => p.slice(p.lastIndexOf('/') + 1)),
    ).toEqual(['index.cjs', 'testing.cjs']);
    const imported = `console.log(import.meta.resolve('rocketmq-rx'), import.meta.resolve('rocketmq-rx/testing'))`;
    const esm = await run(process.execPath, ['--input-type=module', '-e', imported], { cwd: project });
    expect(
      esm.stdout
        .trim()
        .split(' ')
        .map((p) => p.slice(p.lastIndexOf('/') + 1)),
    ).toEqual(['index.js', 'testing.js']);
  });
});
