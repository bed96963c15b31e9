/**
 * Every topic the integration suite uses, created once by the global setup. Names get a per-run
 * suffix so a run against a long-lived RocketMQ never sees messages of an earlier run.
 */
export const testTopics = {
  rawCommit: 'TRANSACTION',
  rawRollback: 'TRANSACTION',
  rawCheckCommit: 'TRANSACTION',
  rawCheckRollback: 'TRANSACTION',
  normal: 'NORMAL',
  scenario0: 'TRANSACTION',
  scenario1: 'TRANSACTION',
  scenario2: 'TRANSACTION',
  scenario3: 'TRANSACTION',
  scenario4: 'TRANSACTION',
  transport: 'TRANSACTION',
  transportOther: 'TRANSACTION',
  topicTest: 'TRANSACTION',
  propertyTest: 'TRANSACTION',
  receiveAck: 'TRANSACTION',
  receiveRedeliver: 'TRANSACTION',
  receiveBounded: 'TRANSACTION',
  crashPair: 'TRANSACTION',
  crash0: 'TRANSACTION',
  crash1: 'TRANSACTION',
  crash2: 'TRANSACTION',
  crash3: 'TRANSACTION',
  crash4: 'TRANSACTION',
  tracing: 'TRANSACTION',
} as const satisfies Record<string, 'TRANSACTION' | 'NORMAL'>;

export type TestTopic = keyof typeof testTopics;
