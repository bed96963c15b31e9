import { scenarioA } from '../examples/02-check-backs-with-a-checker.js';
import { createTopicsOn, launchRocketMQ, type RocketMQ } from '../rocketmq/launcher.js';

const log = (line: string) => console.log(line);
const topic = `TopicTest_${Date.now().toString(36)}`;
let server: RocketMQ | undefined;
let endpoints = process.env.ROCKETMQ_ENDPOINTS;
let timing = {
  transactionTimeoutMs: Number(process.env.ROCKETMQ_TRANSACTION_TIMEOUT_MS ?? 6_000),
  checkIntervalMs: Number(process.env.ROCKETMQ_CHECK_INTERVAL_MS ?? 30_000),
  checkMax: Number(process.env.ROCKETMQ_CHECK_MAX ?? 15),
};

try {
  if (endpoints) {
    const namesrv = process.env.ROCKETMQ_NAMESRV;
    if (!namesrv)
      throw new Error('ROCKETMQ_ENDPOINTS is set but ROCKETMQ_NAMESRV is not (needed to create the topic)');
    log(`Using the RocketMQ at ${endpoints}`);
    await createTopicsOn(namesrv, [{ name: topic, type: 'TRANSACTION' }], {
      cluster: process.env.ROCKETMQ_CLUSTER,
      log,
    });
  } else {
    server = await launchRocketMQ({ log });
    await server.createTopics([{ name: topic, type: 'TRANSACTION' }]);
    endpoints = server.endpoints;
    timing = {
      transactionTimeoutMs: server.transaction.timeoutMs,
      checkIntervalMs: server.transaction.checkIntervalMs,
      checkMax: server.transaction.checkMax,
    };
  }

  log(`\nSending 10 transactional messages to ${topic}: the local step records i % 3 and answers unknown;`);
  log('a checker answers check-backs from the local states: 1 → commit, 2 → rollback, 0 → unknown.\n');
  const report = await scenarioA({
    endpoints,
    topic,
    timing,
    onProgress: ({ elapsedMs, checks, received }) =>
      process.stdout.write(
        `\r  waiting for check-backs… ${(elapsedMs / 1000).toFixed(0)} s, ${checks} answered, ${received} received   `,
      ),
  });
  process.stdout.write('\n\n');
  console.log('  #  message id                          local    check answers                       fate');
  for (const t of report.transactions) {
    const checks = t.checkAnswers.length ? t.checkAnswers.join(',') : '-';
    console.log(
      `  ${String(t.index).padStart(1)}  ${t.messageId.padEnd(34)}  ${t.localAnswer.padEnd(7)}  ${checks.padEnd(34)}  ${t.fate}`,
    );
  }
  console.log(`\nThe consumer received ${report.received.length} message(s):`);
  for (const m of report.received) console.log(`  ${m.messageId}  tag=${m.tag}  body="${m.body}"`);
  const expected = report.transactions.filter((t) => t.index % 3 === 1).length;
  if (report.received.length !== expected) {
    console.error(`\nExpected ${expected} delivered messages, got ${report.received.length}.`);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await server?.stop();
}
