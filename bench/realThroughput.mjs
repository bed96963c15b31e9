/**
 * Committed transactions per second on a real RocketMQ: `transactional` (the built package)
 * against the raw rocketmq-client-nodejs doing the same begin/send/commit with the same number in
 * flight. Rounds are interleaved, alternating which side goes first. Prints JSON.
 * Usage: node bench/realThroughput.mjs <endpoints> <topic> <inFlight> <count> <rounds>
 */
import { Producer } from 'rocketmq-client-nodejs';
import { pullable, rocketmqBroker, TransactionState, transactional } from 'rocketmq-rx';
import { lastValueFrom, reduce } from 'rxjs';

const [endpoints, topic, inFlightArg, countArg, roundsArg] = process.argv.slice(2);
const inFlight = Number(inFlightArg);
const count = Number(countArg);
const rounds = Number(roundsArg);
const body = Buffer.from('benchmark payload of a typical size for an order event, ~64 bytes');
const silent = { info() {}, warn() {}, error() {}, debug() {} };

async function viaTransactional(broker) {
  function* messages() {
    for (let i = 0; i < count; i++) yield { topic, body, tag: 'TagA' };
  }
  const start = performance.now();
  const committed = await lastValueFrom(
    pullable(messages()).pipe(
      transactional(broker, () => TransactionState.Commit, { concurrency: inFlight }),
      reduce((c, r) => (r._tag === 'Resolved' && r.fate === 'committed' ? c + 1 : c), 0),
    ),
  );
  return { ms: performance.now() - start, committed };
}

async function viaRawClient(producer) {
  let next = 0;
  let committed = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < count) {
      next++;
      const tx = producer.beginTransaction();
      await producer.send({ topic, body, tag: 'TagA' }, tx);
      await tx.commit();
      committed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { ms: performance.now() - start, committed };
}

const broker = await rocketmqBroker({ endpoints, topics: [topic] });
const producer = new Producer({
  endpoints,
  namespace: '',
  topics: [topic],
  logger: silent,
  checker: { check: async () => null },
});
await producer.startup();
try {
  // Warm both connections and code paths.
  await viaTransactional(broker);
  await viaRawClient(producer);
  const ours = [];
  const raw = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so that drift of the broker (its store, its check service)
    // within a round does not always favour the same side.
    let a;
    let b;
    if (i % 2 === 0) {
      a = await viaTransactional(broker);
      b = await viaRawClient(producer);
    } else {
      b = await viaRawClient(producer);
      a = await viaTransactional(broker);
    }
    ours.push((a.committed / a.ms) * 1000);
    raw.push((b.committed / b.ms) * 1000);
  }
  console.log(JSON.stringify({ inFlight, count, rounds, ours, raw }));
} finally {
  await broker.close();
  await producer.shutdown();
}
