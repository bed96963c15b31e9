import fc from 'fast-check';
import { formatSchedule } from './formatSchedule.js';
import { violations as judge, type Violation } from './invariant.js';
import { runSchedule } from './runSchedule.js';
import { FaultClass, type Schedule } from './Schedule.js';
import { scheduleArbitrary } from './scheduleArbitrary.js';

/** Every fault class, in the order seeds cycle through them. */
export const FAULT_CLASSES: readonly FaultClass[] = Object.values(FaultClass);

/** A seed decides its fault class and its schedule: `--seed N` needs nothing else to replay it. */
export function classOfSeed(seed: number): FaultClass {
  return FAULT_CLASSES[
    ((seed % FAULT_CLASSES.length) + FAULT_CLASSES.length) % FAULT_CLASSES.length
  ] as FaultClass;
}

class GuaranteeBroken extends Error {
  constructor(readonly found: readonly Violation[]) {
    super(found.map((v) => `${v.kind}: ${v.detail}`).join('\n'));
  }
}

/** Fails on a violation; when shrinking, only on one of the kinds the original run had. */
const property = (faultClass: FaultClass, kinds?: ReadonlySet<Violation['kind']>) =>
  fc.asyncProperty(scheduleArbitrary(faultClass), async (schedule) => {
    const found = judge(await runSchedule(schedule)).filter((v) => !kinds || kinds.has(v.kind));
    if (found.length > 0) throw new GuaranteeBroken(found);
  });

export interface SeedResult {
  readonly seed: number;
  readonly faultClass: FaultClass;
  readonly violations: readonly Violation[];
  readonly schedule: Schedule | undefined;
}

/** Runs the schedule of one seed, without shrinking. */
export async function runSeed(seed: number): Promise<SeedResult> {
  const faultClass = classOfSeed(seed);
  const details = await fc.check(property(faultClass), { seed, numRuns: 1, endOnFailure: true });
  if (!details.failed) return { seed, faultClass, violations: [], schedule: undefined };
  const schedule = details.counterexample?.[0];
  return { seed, faultClass, violations: violationsOf(details.errorInstance), schedule };
}

/**
 * Replays one seed: runs its schedule, and when it breaks the guarantee shrinks it to the smallest
 * schedule that still does, and returns that schedule with the trace of its run.
 */
export async function replaySeed(
  seed: number,
  options: { readonly shrink?: boolean } = {},
): Promise<{ readonly failed: boolean; readonly report: string }> {
  const faultClass = classOfSeed(seed);
  const first = await runSeed(seed);
  const original = first.schedule;
  if (!original) return { failed: false, report: `seed ${seed} (${faultClass}): no violation` };
  const kinds = new Set(first.violations.map((v) => v.kind));
  const details =
    options.shrink === false ? undefined : await fc.check(property(faultClass, kinds), { seed, numRuns: 1 });
  const shrunk = details?.counterexample?.[0] ?? original;
  const run = await runSchedule(shrunk, { trace: true });
  const found = judge(run);
  const report = [
    `seed ${seed} (${faultClass}): the guarantee is broken`,
    ...found.map((v) => `  ${v.kind}: ${v.detail}`),
    '',
    details
      ? `shrunk schedule (${details.numShrinks} shrinks, from ${original.txs.length} transactions and ${original.faults.length} faults):`
      : 'schedule (not shrunk):',
    formatSchedule(shrunk),
    '',
    'trace:',
    ...run.trace.map((l) => `  ${l}`),
    '',
    `replay: npm run simulate -- --seed ${seed}`,
  ].join('\n');
  return { failed: true, report };
}

function violationsOf(error: unknown): Violation[] {
  if (error instanceof GuaranteeBroken) return [...error.found];
  return [
    {
      kind: 'stuck',
      detail: `the run threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    },
  ];
}
