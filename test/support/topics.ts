/**
 * Every topic the integration suite uses, created once by the global setup. Names get a per-run
 * suffix so a run against a long-lived RocketMQ never sees messages of an earlier run.
 */
export const testTopics = {
  rawCommit: 'TRANSACTION',
  rawRollback: 'TRANSACTION',
  rawCheckCommit: 'TRANSACTION',
  rawCheckRollback: 'TRANSACTION',
  rawRepeatedEnd: 'TRANSACTION',
  normal: 'NORMAL',
  scenario0: 'TRANSACTION',
  scenario1: 'TRANSACTION',
  scenario2: 'TRANSACTION',
  scenario3: 'TRANSACTION',
  scenario4: 'TRANSACTION',
  officialScenario0: 'TRANSACTION',
  officialScenario1: 'TRANSACTION',
  officialScenario2: 'TRANSACTION',
  officialScenario3: 'TRANSACTION',
  officialScenario4: 'TRANSACTION',
  transport: 'TRANSACTION',
  transportOther: 'TRANSACTION',
  officialTransport: 'TRANSACTION',
  topicTest: 'TRANSACTION',
  propertyTest: 'TRANSACTION',
  receiveAck: 'TRANSACTION',
  receiveRedeliver: 'TRANSACTION',
  receiveBounded: 'TRANSACTION',
  proxyRefusals: 'TRANSACTION',
  receiveExtend: 'TRANSACTION',
  receiveTimeout: 'TRANSACTION',
  receiveRelease: 'TRANSACTION',
  crashPair: 'TRANSACTION',
  officialCrashPair: 'TRANSACTION',
  interop: 'TRANSACTION',
  interopBench: 'TRANSACTION',
} as const satisfies Record<string, 'TRANSACTION' | 'NORMAL'>;

export type TestTopic = keyof typeof testTopics;
