/**
 * Command-line options for the project's scripts, read with Node's `util.parseArgs` in strict
 * mode: an unknown or misspelt option, a missing value or a stray argument stops the script with
 * its usage, and counts must be positive integers (`--count 1e3x` is refused, not run as NaN).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export class UsageError extends Error {}

export type CommandLineValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function parseCommandLine(
  usage: string,
  options: NonNullable<ParseArgsConfig['options']>,
  args: readonly string[] = process.argv.slice(2),
): CommandLineValues {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\nUsage: ${usage}`);
  }
}

/** A positive integer option, or the script stops saying which option is wrong. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value.trim()))
    throw new UsageError(`--${name} must be a positive integer (got "${value}")`);
  return Number(value);
}

/** A comma-separated list of integers. */
export function intList(name: string, value: string | undefined, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  const parts = value.split(',');
  if (!parts.every((p) => /^-?\d+$/.test(p.trim())))
    throw new UsageError(`--${name} must be a comma-separated list of integers (got "${value}")`);
  return parts.map(Number);
}

/** Runs a script's main, printing a usage error without a stack and exiting 2. */
export function exitOnUsageError(error: unknown): never {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
