/**
 * `npm run broker`: starts the same RocketMQ the test suite uses and keeps it running until
 * Ctrl-C. Topics may be created at start: `npm run broker -- --topic Name:TRANSACTION --topic Other`.
 */
import { launchRocketMQ, type TopicSpec } from './launcher.ts';

const topics: TopicSpec[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--topic' && args[i + 1]) {
    const [name = '', type = 'TRANSACTION'] = (args[++i] as string).split(':');
    topics.push({ name, type: type.toUpperCase() === 'NORMAL' ? 'NORMAL' : 'TRANSACTION' });
  }
}

const mq = await launchRocketMQ({
  log: (l) => console.log(l),
  keepData: process.env.ROCKETMQ_KEEP_DATA === '1',
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
