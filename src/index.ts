/**
 * rocketmq-rx: RxJS operators for RocketMQ transactional messages.
 * Every public export is listed here, by section; nothing else is public.
 * (The import sorter is off for this file: sections read in the order a user meets them.)
 */

// --- operators ---------------------------------------------------------------------------------
export { type TransactionalConfig, transactional } from './operators/transactional.js';
export { type SendHalfConfig, sendHalf } from './operators/sendHalf.js';
export {
  type ExecuteLocalConfig,
  executeLocal,
  type LocalStep,
  type LocalStepResult,
} from './operators/executeLocal.js';
export { type ResolveConfig, resolve } from './operators/resolve.js';
export { type Pullable, pullable } from './operators/pullable.js';

// --- check-backs -------------------------------------------------------------------------------
export { checkBacks } from './operators/checkBacks.js';
export {
  type AnswerCheckBacksConfig,
  AnswerSource,
  answerCheckBacks,
  type CheckBackAnswer,
  type CheckerConfig,
  type CheckerResult,
  type TransactionChecker,
} from './operators/answerCheckBacks.js';

// --- values and types --------------------------------------------------------------------------
export {
  Fate,
  type Half,
  type Local,
  type Rejected,
  type Resolved,
  type TransactionValue,
} from './core/Transaction.js';
export { isTransactionState, type Resolution, TransactionState } from './core/TransactionState.js';
export { MAX_BODY_BYTES, type TransactionalMessage, type ValidMessage } from './core/TransactionalMessage.js';
export { validateMessage } from './core/validateMessage.js';
export { backoffDelay, type RetryConfig } from './core/RetryConfig.js';

// --- ports -------------------------------------------------------------------------------------
export {
  type BrokerPort,
  type CheckBack,
  type CheckBackMessage,
  EndSource,
  type EndTransactionRequest,
  type HalfReceipt,
} from './core/BrokerPort.js';
export {
  type AbsentCheck,
  RecordReason,
  type StateStore,
  type TransactionRecord,
} from './core/StateStore.js';
export { type DrainLateAnswersOptions, drainLateAnswers } from './core/lateAnswers.js';

// --- stores ------------------------------------------------------------------------------------
export {
  type MemoryStateStore,
  type MemoryStateStoreConfig,
  memoryStateStore,
} from './stores/memoryStateStore.js';
export { type PgliteStateStoreOptions, pgliteStateStore } from './stores/pgliteStateStore.js';
export { type PostgresStateStoreOptions, postgresStateStore } from './stores/postgresStateStore.js';
export {
  type SqlDatabase,
  type SqlSession,
  type SqlStateStore,
  type SqlStateStoreOptions,
  sqlStateStore,
} from './stores/sqlStateStore.js';

// --- transport: gRPC proxy (RocketMQ 5) --------------------------------------------------------
export type { ConnectionOptions } from './core/ConnectionOptions.js';
export type { CloseOptions } from './core/CloseOptions.js';
export { type Logger, type LogLevel, silentLogger } from './core/Logger.js';
export { type RocketMQBroker, type RocketMQBrokerOptions, rocketmqBroker } from './grpc/rocketmqBroker.js';
export {
  type HandledMessage,
  type ReceivedMessage,
  type ReceiveMessagesOptions,
  receiveMessages,
} from './grpc/receiveMessages.js';

// --- transport: remoting (name server and brokers, RocketMQ 4.x and 5.x) ----------------------
export {
  EndCall,
  type RemotingBroker,
  type RemotingBrokerOptions,
  remotingBroker,
} from './remoting/remotingBroker.js';
export type { RemotingCredentials } from './remoting/signRequest.js';
export { type PulledMessage, type PullMessagesOptions, pullMessages } from './remoting/pullMessages.js';

// --- telemetry (OpenTelemetry implementation: rocketmq-rx/otel) -----------------------------------
export {
  type CheckBackSource,
  type CheckBackTrace,
  type ConsumedMessage,
  currentTelemetry,
  noopTelemetry,
  type ProcessTrace,
  type ReceiveInfo,
  type StoreOperation,
  type Telemetry,
  type TransactionTrace,
  useTelemetry,
} from './core/Telemetry.js';

// --- errors ------------------------------------------------------------------------------------
export {
  AbortedError,
  BadRequestError,
  BrokerError,
  BrokerTimeoutError,
  BrokerUnavailableError,
  CancelledError,
  CheckBackTimeoutError,
  CheckerError,
  AbsentRollbackError,
  ClosedError,
  type ErrorContext,
  type ErrorOptions,
  InvalidStateError,
  isRetryable,
  isRocketMQRxError,
  LocalStepError,
  LocalStepTimeoutError,
  MalformedCheckBackError,
  ProtocolError,
  RocketMQRxError,
  type RocketMQRxErrorTag,
  SessionDeadlockError,
  StartupError,
  StoreError,
  ThrottledError,
  TopicNotFoundError,
  TransactionNotFoundError,
  UnauthorizedError,
  UndeclaredTopicError,
  ValidationError,
  type ValidationIssue,
} from './core/errors.js';
