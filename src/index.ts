/**
 * rocketmq-rx: RxJS operators for RocketMQ 5 transactional messages.
 * Every public export is listed here; nothing else is public.
 */

export {
  type AnswerCheckBacksConfig,
  AnswerSource,
  answerCheckBacks,
  type CheckBackAnswer,
} from './answerCheckBacks.js';
// --- ports -------------------------------------------------------------------------------------
export {
  type BrokerPort,
  type CheckBack,
  type CheckBackMessage,
  EndSource,
  type EndTransactionRequest,
  type HalfReceipt,
} from './BrokerPort.js';
// --- transport -------------------------------------------------------------------------------
export type { ConnectionOptions } from './ConnectionOptions.js';
// --- check-backs -------------------------------------------------------------------------------
export { checkBacks } from './checkBacks.js';
// --- errors ------------------------------------------------------------------------------------
export {
  BadRequestError,
  BrokerError,
  BrokerTimeoutError,
  BrokerUnavailableError,
  CancelledError,
  CheckBackTimeoutError,
  ClosedError,
  type ErrorContext,
  InvalidStateError,
  isRetryable,
  LocalStepError,
  LocalStepTimeoutError,
  MalformedCheckBackError,
  RocketMQRxError,
  type RocketMQRxErrorTag,
  StartupError,
  StoreError,
  ThrottledError,
  TopicNotFoundError,
  TransactionNotFoundError,
  UnauthorizedError,
  UndeclaredTopicError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
export {
  type ExecuteLocalConfig,
  executeLocal,
  type LocalStep,
  type LocalStepResult,
} from './executeLocal.js';
export { type Logger, type LogLevel, silentLogger } from './Logger.js';
// --- stores ------------------------------------------------------------------------------------
export { type MemoryStateStore, type MemoryStateStoreConfig, memoryStateStore } from './memoryStateStore.js';
export { type PgliteStateStoreOptions, pgliteStateStore } from './pgliteStateStore.js';
export { type PostgresStateStoreOptions, postgresStateStore } from './postgresStateStore.js';
export { type Pullable, pullable } from './pullable.js';
export { backoffDelay, type RetryConfig } from './RetryConfig.js';
export {
  type HandledMessage,
  type ReceivedMessage,
  type ReceiveMessagesOptions,
  receiveMessages,
} from './receiveMessages.js';
export { type ResolveConfig, resolve } from './resolve.js';
export { type RocketMQBroker, type RocketMQBrokerOptions, rocketmqBroker } from './rocketmqBroker.js';
export { RecordReason, type StateStore, type TransactionRecord } from './StateStore.js';
// --- operators ---------------------------------------------------------------------------------
export { type SendHalfConfig, sendHalf } from './sendHalf.js';
export {
  type SqlDatabase,
  type SqlSession,
  type SqlStateStore,
  type SqlStateStoreOptions,
  sqlStateStore,
} from './sqlStateStore.js';
export {
  Fate,
  type Half,
  type Local,
  type Rejected,
  type Resolved,
  type TransactionValue,
} from './Transaction.js';
export { MAX_BODY_BYTES, type TransactionalMessage, type ValidMessage } from './TransactionalMessage.js';
// --- values and types --------------------------------------------------------------------------
export { isTransactionState, type Resolution, TransactionState } from './TransactionState.js';
export { type TransactionalConfig, transactional } from './transactional.js';
export { validateMessage } from './validateMessage.js';
