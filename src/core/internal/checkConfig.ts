import { ValidationError, type ValidationIssue } from '../errors.js';

type Rule = readonly [
  path: string,
  value: unknown,
  kind: 'positiveInt' | 'positive' | 'nonNegative' | 'fraction' | 'timeoutMs' | 'delayMs',
];

/**
 * The longest delay a Node timer holds (2^31 − 1 ms, ~24.8 days). Node fires a longer one after
 * 1 ms, so a huge timeout would end every step at once instead of never.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Validates operator options when the operator is built, not when the stream runs: a bad option
 * is a programming error and should fail where it is written.
 */
export function checkConfig(subject: string, rules: readonly Rule[]): void {
  const issues: ValidationIssue[] = [];
  for (const [path, value, kind] of rules) {
    if (value === undefined) continue;
    const n = value as number;
    const ok =
      typeof value === 'number' &&
      !Number.isNaN(n) &&
      (kind === 'positiveInt'
        ? (Number.isInteger(n) && n > 0) || n === Number.POSITIVE_INFINITY
        : kind === 'positive'
          ? n > 0
          : kind === 'nonNegative'
            ? n >= 0
            : kind === 'timeoutMs'
              ? n > 0 && n <= MAX_TIMER_MS
              : kind === 'delayMs'
                ? n >= 0 && n <= MAX_TIMER_MS
                : n >= 0 && n <= 1);
    if (!ok) {
      const expected = {
        positiveInt: 'a positive integer (or Infinity)',
        positive: 'a positive number',
        nonNegative: 'a number ≥ 0',
        fraction: 'a number from 0 to 1',
        timeoutMs: `a number of ms above 0 and at most ${MAX_TIMER_MS} (a timer's limit)`,
        delayMs: `a number of ms from 0 to ${MAX_TIMER_MS} (a timer's limit)`,
      }[kind];
      issues.push({ path: path.split('.'), message: `must be ${expected} (got ${String(value)})` });
    }
  }
  if (issues.length > 0) throw new ValidationError(subject, issues);
}

export function retryRules(
  prefix: string,
  retry:
    | { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number; factor?: number; jitter?: number }
    | undefined,
): Rule[] {
  return [
    [`${prefix}.maxAttempts`, retry?.maxAttempts, 'positiveInt'],
    [`${prefix}.initialDelayMs`, retry?.initialDelayMs, 'delayMs'],
    [`${prefix}.maxDelayMs`, retry?.maxDelayMs, 'delayMs'],
    [`${prefix}.factor`, retry?.factor, 'positive'],
    [`${prefix}.jitter`, retry?.jitter, 'fraction'],
  ];
}
