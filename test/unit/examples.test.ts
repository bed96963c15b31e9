/** The examples that need no broker run here; those that do run in test/integration. */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPipeline } from '../../examples/01-marble-test-your-pipeline.js';
import { transactionLog } from '../../examples/04-transaction-log-pattern.js';
import { tracingExample } from '../../examples/05-tracing.js';

describe('examples', () => {
  it('01: the marble test of a user pipeline passes', () => {
    expect(checkPipeline()).toBe('the pipeline commits order #1 at frame 5');
  });

  it('04: business rows and records commit together; the failed order leaves neither', async () => {
    expect(await transactionLog()).toEqual({
      fates: ['committed', 'rolled-back', 'committed'],
      orders: ['book', 'lamp'],
      records: ['commit', 'rollback', 'commit'],
      delivered: ['book', 'lamp'],
    });
  });

  it('05: the check-back answered by the second producer is linked to the first one’s send span', async () => {
    expect(await tracingExample()).toEqual([
      'producer 1:',
      '  transaction Orders [INTERNAL] transaction.fate=left-to-check-back transaction.state=commit',
      '  ├─ send Orders [PRODUCER]',
      '  ├─ local_step Orders [INTERNAL] transaction.state=commit',
      '  └─ commit Orders [CLIENT] end.source=client error.type=BrokerUnavailableError ⇢ send Orders (here)',
      'producer 2:',
      '  check Orders [CONSUMER] check_back.answer=commit answer.source=store ⇢ send Orders (in another process)',
      '  └─ commit Orders [CLIENT] end.source=check-back ⇢ send Orders (in another process)',
    ]);
  });

  it('runs every example: each file of examples/ is imported by a test that calls it', async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const examples = (await readdir(join(root, 'examples'))).filter((f) => /^\d\d-.*\.ts$/.test(f));
    const tests = await Promise.all(
      ['test/unit/examples.test.ts', 'test/integration/referenceScenarios.test.ts'].map((f) =>
        readFile(join(root, f), 'utf8'),
      ),
    );
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const example of examples) {
      const imported = tests.some((t) => t.includes(`examples/${example.replace(/\.ts$/, '.js')}'`));
      expect(imported, `${example} is not run by any test`).toBe(true);
    }
  });
});
