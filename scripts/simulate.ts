/**
 * `npm run simulate`: the seeded simulation of the whole system in virtual time
 * (test/simulation/). Each seed is one generated schedule of one fault class; after each, the
 * guarantee is judged. Prints a table per fault class; a violation prints its seed, and
 * `--seed N` replays that schedule, shrinks it and prints the smallest one with its trace.
 *
 *   npm run simulate -- [--runs 1000] [--from 1] [--class late-steps]
 *   npm run simulate -- --seed 17 [--unshrunk]
 */
import { parseArgs } from 'node:util';
import type { FaultClass } from '../test/simulation/Schedule.js';
import { classOfSeed, FAULT_CLASSES, replaySeed, runSeed } from '../test/simulation/simulate.js';

const usage = 'usage: npm run simulate -- [--runs N] [--from N] [--class NAME] | --seed N [--unshrunk]';

function fail(message: string): never {
  console.error(`${message}\n${usage}\nfault classes: ${FAULT_CLASSES.join(', ')}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      runs: { type: 'string' },
      from: { type: 'string' },
      seed: { type: 'string' },
      class: { type: 'string' },
      unshrunk: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}
try {
  parsed = parse();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const { values } = parsed;
if (values.help) console.log(usage);

const integer = (name: string, text: string | undefined, fallback: number, min: number): number => {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text)) fail(`--${name} must be an integer, not "${text}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    fail(`--${name} must be an integer of at least ${min}, not ${text}`);
  return n;
};

if (values.help) {
  // printed above
} else if (values.seed !== undefined) {
  if (values.runs !== undefined || values.from !== undefined || values.class !== undefined) {
    fail('--seed replays one schedule: it takes no --runs, --from or --class');
  }
  const seed = integer('seed', values.seed, 0, 0);
  const { failed, report } = await replaySeed(seed, { shrink: !values.unshrunk });
  console.log(report);
  process.exitCode = failed ? 1 : 0;
} else {
  await runMany();
}

async function runMany() {
  const runs = integer('runs', values.runs, 1_000, 1);
  const from = integer('from', values.from, 1, 0);
  const only = values.class as FaultClass | undefined;
  if (only !== undefined && !FAULT_CLASSES.includes(only)) fail(`unknown fault class "${only}"`);

  const table = new Map(
    FAULT_CLASSES.map((c) => [c, { runs: 0, violations: 0, ms: 0, seeds: [] as number[] }]),
  );
  const started = performance.now();
  let done = 0;
  for (let seed = from; done < runs; seed++) {
    const faultClass = classOfSeed(seed);
    if (only && faultClass !== only) continue;
    const t0 = performance.now();
    const result = await runSeed(seed);
    const row = table.get(faultClass) as { runs: number; violations: number; ms: number; seeds: number[] };
    row.runs++;
    row.ms += performance.now() - t0;
    if (result.violations.length > 0) {
      row.violations++;
      row.seeds.push(seed);
      if (row.seeds.length <= 3) {
        console.log(
          `seed ${seed} (${faultClass}): ${result.violations.map((v) => `${v.kind}: ${v.detail}`).join('; ')}`,
        );
      }
    }
    done++;
    if (process.stdout.isTTY && done % 100 === 0) process.stdout.write(`\r${done}/${runs}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\r');

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(
    `\n${'fault class'.padEnd(16)} ${pad('runs', 6)} ${pad('violations', 10)} ${pad('elapsed', 9)}  first seeds`,
  );
  let total = 0;
  for (const [c, r] of table) {
    if (r.runs === 0) continue;
    total += r.violations;
    console.log(
      `${c.padEnd(16)} ${pad(r.runs, 6)} ${pad(r.violations, 10)} ${pad(`${(r.ms / 1000).toFixed(1)} s`, 9)}  ${r.seeds.slice(0, 5).join(', ')}`,
    );
  }
  console.log(
    `\n${done} schedules in ${((performance.now() - started) / 1000).toFixed(1)} s; ${total} with violations`,
  );
  if (total > 0) console.log('replay one, shrunk and traced: npm run simulate -- --seed N');
  process.exitCode = total > 0 ? 1 : 0;
}
