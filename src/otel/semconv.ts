/**
 * Every attribute and metric name the OpenTelemetry implementation writes, in one table: the
 * messaging semantic conventions (v1.44 spellings) for what they define, `rocketmq_rx.` for what is
 * this library's own. Copied rather than imported, so no semantic-conventions package is needed.
 */
/** Attribute names, by what they describe (exported as `attributeNames`). */
export const attr = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  consumerGroup: 'messaging.consumer.group.name',
  batchCount: 'messaging.batch.message_count',
  namespace: 'messaging.rocketmq.namespace',
  messageType: 'messaging.rocketmq.message.type',
  tag: 'messaging.rocketmq.message.tag',
  keys: 'messaging.rocketmq.message.keys',
  errorType: 'error.type',
  transactionId: 'rocketmq_rx.transaction.id',
  state: 'rocketmq_rx.transaction.state',
  fate: 'rocketmq_rx.transaction.fate',
  reason: 'rocketmq_rx.record.reason',
  sendAttempts: 'rocketmq_rx.send.attempts',
  endAttempts: 'rocketmq_rx.end.attempts',
  endSource: 'rocketmq_rx.end.source',
  answer: 'rocketmq_rx.check_back.answer',
  answerSource: 'rocketmq_rx.answer.source',
  checkCount: 'rocketmq_rx.check_back.count',
  unknownCount: 'rocketmq_rx.check_back.unknown_count',
  presumedDiscard: 'rocketmq_rx.check_back.presumed_discard',
  halfAge: 'rocketmq_rx.half.age',
  deliveryAttempt: 'rocketmq_rx.message.delivery_attempt',
  storeKind: 'rocketmq_rx.store.kind',
  storeOperation: 'rocketmq_rx.store.operation',
  dropReason: 'rocketmq_rx.drop.reason',
  retryAttempt: 'rocketmq_rx.retry.attempt',
} as const;

/** Metric names, by what they measure (exported as `metricNames`). */
export const metric = {
  operationDuration: 'messaging.client.operation.duration',
  sentMessages: 'messaging.client.sent.messages',
  consumedMessages: 'messaging.client.consumed.messages',
  processDuration: 'messaging.process.duration',
  transactionDuration: 'rocketmq_rx.transaction.duration',
  endedTransactions: 'rocketmq_rx.client.ended.transactions',
  localStepDuration: 'rocketmq_rx.local_step.duration',
  pending: 'rocketmq_rx.transaction.pending',
  answeredCheckBacks: 'rocketmq_rx.client.answered.check_backs',
  checkBackDuration: 'rocketmq_rx.check_back.duration',
  halfAge: 'rocketmq_rx.check_back.half_age',
  checkCount: 'rocketmq_rx.check_back.count',
  presumedDiscarded: 'rocketmq_rx.client.presumed_discarded.transactions',
  droppedCheckBacks: 'rocketmq_rx.client.dropped.check_backs',
  retries: 'rocketmq_rx.client.operation.retries',
  storeDuration: 'rocketmq_rx.store.operation.duration',
  evictedRecords: 'rocketmq_rx.store.evicted.records',
  messageAge: 'rocketmq_rx.message.age',
} as const;

/** `error.type`: our errors' `_tag`, else the error's name. */
export function errorType(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const tag = (error as { _tag?: unknown })._tag;
    if (typeof tag === 'string') return tag;
    if (error instanceof Error) return error.name || 'Error';
  }
  return '_OTHER';
}
