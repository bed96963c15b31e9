/** The request and response codes we speak (the broker's RequestCode and ResponseCode). */
export const RequestCode = {
  SendMessage: 10,
  PullMessage: 11,
  QueryConsumerOffset: 14,
  UpdateConsumerOffset: 15,
  GetMaxOffset: 30,
  HeartBeat: 34,
  UnregisterClient: 35,
  EndTransaction: 37,
  CheckTransactionState: 39,
  GetRouteInfoByTopic: 105,
  SendMessageV2: 310,
} as const;

export const ResponseCode = {
  Success: 0,
  SystemError: 1,
  SystemBusy: 2,
  RequestCodeNotSupported: 3,
  FlushDiskTimeout: 10,
  SlaveNotAvailable: 11,
  FlushSlaveTimeout: 12,
  MessageIllegal: 13,
  ServiceNotAvailable: 14,
  NoPermission: 16,
  TopicNotExist: 17,
  PullNotFound: 19,
  PullRetryImmediately: 20,
  PullOffsetMoved: 21,
  QueryNotFound: 22,
  IllegalOperation: 604,
  GoAway: 1500,
} as const;

/** Transaction states of END_TRANSACTION's commitOrRollback and of a message's sysFlag. */
export const TransactionType = { Commit: 8, Rollback: 12 } as const;
