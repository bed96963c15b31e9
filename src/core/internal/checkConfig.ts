import { ValidationError, type ValidationIssue } from '../errors.js';

type Rule = readonly [
  path: string,
  value: unknown,
  kind: 'positiveInt' | 'positive' | 'nonNegative' | 'fraction',
];

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
            : n >= 0 && n <= 1);
    if (!ok) {
      const expected = {
        positiveInt: 'a positive integer (or Infinity)',
        positive: 'a positive number',
        nonNegative: 'a number ≥ 0',
        fraction: 'a number from 0 to 1',
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
    [`${prefix}.initialDelayMs`, retry?.initialDelayMs, 'nonNegative'],
    [`${prefix}.maxDelayMs`, retry?.maxDelayMs, 'nonNegative'],
    [`${prefix}.factor`, retry?.factor, 'positive'],
    [`${prefix}.jitter`, retry?.jitter, 'fraction'],
  ];
}
