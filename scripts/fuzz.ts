/**
 * `npm run fuzz`: 10 000 generated inputs through the public surface (see
 * test/fuzz/publicSurface.ts); prints the counts by outcome and exits 1 on any escape, hang or
 * dead stream.   npm run fuzz -- [--runs 10000] [--seed N]
 */
import { fuzz } from '../test/fuzz/publicSurface.js';
import { exitOnUsageError, parseCommandLine, positiveInt } from './parseCommandLine.js';

let runs: number;
let seed: number;
try {
  const values = parseCommandLine('npm run fuzz -- [--runs 10000] [--seed N]', {
    runs: { type: 'string' },
    seed: { type: 'string' },
  });
  runs = positiveInt('runs', values.runs as string | undefined, 10_000);
  seed = positiveInt('seed', values.seed as string | undefined, 20261201);
} catch (error) {
  exitOnUsageError(error);
}
const started = Date.now();
const { inputs, counts, escapes } = await fuzz(runs, seed);
console.log(
  `${inputs.toLocaleString('en')} inputs (seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
for (const [outcome, n] of Object.entries(counts)) console.log(`  ${outcome.padEnd(20)} ${n}`);
for (const e of escapes.slice(0, 5)) console.error('escaped:', e);
process.exitCode = counts.escape + counts.hang + counts['dead-stream'] > 0 ? 1 : 0;
