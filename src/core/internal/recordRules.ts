import type { TransactionRecord } from '../StateStore.js';

/** The marker a check-back leaves for a transaction it found no record for, within the grace. */
export function isAbsentMarker(record: TransactionRecord): boolean {
  return record.state === 'unknown' && record.reason === 'absent';
}

/**
 * Whether `next` may replace `current`: anything replaces an `unknown` record (a late answer after
 * a timeout, a step's record after a check-back's marker); a decided record is never replaced by
 * `unknown` (a write reordered behind a later one), and a rollback answered for an absent record
 * by nothing (the broker was told rollback). The SQL stores apply the same rule.
 */
export function replaces(current: TransactionRecord | undefined, next: TransactionRecord): boolean {
  if (!current || current.state === 'unknown') return true;
  return next.state !== 'unknown' && current.reason !== 'absent';
}
