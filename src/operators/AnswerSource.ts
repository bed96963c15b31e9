/** Where an answer to a check-back came from. */
export const AnswerSource = {
  /** The store's record. */
  Store: 'store',
  /** No record (yet): answered `unknown`. */
  Absent: 'absent',
  /** No record and older than `rollbackAbsentAfterMs`: answered `rollback`. */
  AbsentExpired: 'absent-expired',
  /** The lookup passed `timeoutMs`: answered `unknown`. */
  Timeout: 'timeout',
  /** The store failed: answered `unknown`. */
  StoreError: 'store-error',
  /** The checker's answer. */
  Checker: 'checker',
  /** The checker failed or answered something that is not a state: answered `unknown`. */
  CheckerError: 'checker-error',
} as const;
export type AnswerSource = (typeof AnswerSource)[keyof typeof AnswerSource];
