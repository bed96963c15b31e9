/**
 * Every `ts` code block in README.md compiles against the library as it is. Blocks are fragments:
 * the free names they lean on (`broker`, `orders$`, `db`, …) are declared once below, and each
 * block gets the library's and RxJS's names it does not import itself.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, '.tmp', 'readme-code');

/** The README's free names: what its fragments assume the reader already has. */
const GLOBALS = `
declare const broker: import('rocketmq-rx').RocketMQBroker;
declare const store: import('rocketmq-rx').StateStore & { close(): Promise<void> };
declare const subscription: import('rxjs').Subscription;
declare const saveOrder: (half: import('rocketmq-rx').Half) => Promise<import('rocketmq-rx').TransactionState>;
declare const orders$: import('rxjs').Observable<import('rocketmq-rx').TransactionalMessage>;
declare const db: { insertOrder(messageId: string): Promise<void> };
declare const orderId: string;
declare const endpoints: string;
declare const report: (answer: import('rocketmq-rx').CheckBackAnswer) => void;
declare const billOrder: (message: import('rocketmq-rx').ReceivedMessage) => Promise<void>;
declare const log: (error: unknown) => void;
declare const testScheduler: import('rxjs/testing').TestScheduler;
`;

const RXJS = ['from', 'lastValueFrom', 'map', 'toArray', 'type Observable'];

function blocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

function exportedNames(index: string): string[] {
  const names = new Set<string>();
  for (const [, list] of index.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of (list as string).split(',')) {
      const m = item.trim().match(/^(type\s+)?(\w+)$/);
      if (m) names.add(`${m[1] ? 'type ' : ''}${m[2]}`);
    }
  }
  return [...names];
}

function importedBy(code: string): Set<string> {
  const names = new Set<string>();
  for (const [, list] of code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from/g)) {
    for (const item of (list as string).split(',')) names.add(item.trim().replace(/^type\s+/, ''));
  }
  return names;
}

describe('README code', () => {
  it('compiles every ts block', { timeout: 120_000 }, async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const library = exportedNames(await readFile(join(root, 'src/index.ts'), 'utf8'));
    const found = blocks(readme);
    expect(found.length).toBeGreaterThanOrEqual(7);

    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'globals.d.ts'), GLOBALS);
    const names = (list: readonly string[], taken: Set<string>) =>
      list.filter((n) => !taken.has(n.replace(/^type /, ''))).join(', ');
    await Promise.all(
      found.map((code, i) => {
        const taken = importedBy(code);
        const prelude = [
          `import { ${names(library, taken)} } from 'rocketmq-rx';`,
          `import { ${names(RXJS, taken)} } from 'rxjs';`,
        ].join(' ');
        // One line of prelude: a compiler message's line number is the README block's line + 1.
        // Blocks about the test suite are written as from test/integration/.
        const body = code.replaceAll("'../support/", "'../../test/support/");
        return writeFile(join(dir, `block${i + 1}.ts`), `${prelude}\n${body}\nexport {};\n`);
      }),
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'] }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], {
      cwd: root,
    }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
    await rm(dir, { recursive: true, force: true });
  });
});
