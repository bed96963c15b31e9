/**
 * `npm run demo`: starts a local Apache RocketMQ 5 (or uses ROCKETMQ_ENDPOINTS), sends one
 * transactional message, commits it, shows the consumer receiving it, and stops everything.
 */
import { launchRocketMQ } from '../rocketmq/launcher.ts';
import { Resolution, startCollector, startTransactionalProducer } from '../test/support/rawClient.ts';

const topic = `DemoTopic_${Date.now().toString(36)}`;
const mq = await launchRocketMQ({ log: (l) => console.log(l) });
try {
  await mq.createTopics([{ name: topic, type: 'TRANSACTION' }]);
  const consumer = await startCollector(mq.endpoints, topic, `demo_${topic}`);
  const producer = await startTransactionalProducer(mq.endpoints, [topic], async () => Resolution.COMMIT);
  const tx = producer.beginTransaction();
  const receipt = await producer.send({ topic, tag: 'TagA', body: Buffer.from('Hello RocketMQ') }, tx);
  console.log(`half message sent: ${receipt.messageId}`);
  await tx.commit();
  console.log('committed; waiting for the consumer…');
  const ok = await consumer.waitFor((r) => r.length > 0, 20_000);
  for (const r of consumer.received) console.log(`received ${r.messageId}: ${r.body}`);
  await producer.shutdown();
  await consumer.stop();
  if (!ok) process.exitCode = 1;
} finally {
  await mq.stop();
}
