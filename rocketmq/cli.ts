/**
 * `npm run broker`: starts the same RocketMQ the test suite uses and keeps it running until
 * Ctrl-C. Topics may be created at start: `npm run broker -- --topic Name:TRANSACTION --topic Other`.
 */
import { exitOnUsageError, parseCommandLine, positiveInt, UsageError } from '../scripts/parseCommandLine.ts';
import { launchRocketMQ, type TopicSpec } from './launcher.ts';

const USAGE = 'npm run broker -- [--topic Name[:TRANSACTION|:NORMAL]]… [--startup-timeout-ms 90000]';
let topics: TopicSpec[];
let startupTimeoutMs: number;
try {
  const values = parseCommandLine(USAGE, {
    topic: { type: 'string', multiple: true },
    'startup-timeout-ms': { type: 'string' },
  });
  topics = ((values.topic as string[] | undefined) ?? []).map((spec) => {
    const [name = '', type = 'TRANSACTION', ...rest] = spec.split(':');
    const kind = type.toUpperCase();
    if (name === '' || rest.length > 0 || (kind !== 'TRANSACTION' && kind !== 'NORMAL'))
      throw new UsageError(
        `--topic takes Name, Name:TRANSACTION or Name:NORMAL (got "${spec}")\n\nUsage: ${USAGE}`,
      );
    return { name, type: kind };
  });
  startupTimeoutMs = positiveInt(
    'startup-timeout-ms',
    values['startup-timeout-ms'] as string | undefined,
    90_000,
  );
} catch (error) {
  exitOnUsageError(error);
}

const mq = await launchRocketMQ({
  log: (l) => console.log(l),
  keepData: process.env.ROCKETMQ_KEEP_DATA === '1',
  startupTimeoutMs,
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping RocketMQ…');
  await mq.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
try {
  await mq.createTopics(topics);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stop();
}
console.log(`
RocketMQ is running. Point the tests or your own code at it:
  export ROCKETMQ_ENDPOINTS=${mq.endpoints}
  export ROCKETMQ_NAMESRV=${mq.namesrv}
  export ROCKETMQ_BROKER_ADDR=${mq.brokerAddr}
  export ROCKETMQ_PROXY_REMOTING=${mq.proxyRemoting}
  export ROCKETMQ_TRANSACTION_TIMEOUT_MS=${mq.transaction.timeoutMs}
  export ROCKETMQ_CHECK_INTERVAL_MS=${mq.transaction.checkIntervalMs}
  export ROCKETMQ_CHECK_MAX=${mq.transaction.checkMax}
Logs: ${mq.dataDir}/home/logs/rocketmqlogs
Press Ctrl-C to stop.`);
setInterval(() => {}, 1 << 30);
