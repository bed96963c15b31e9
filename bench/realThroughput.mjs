/**
 * Committed transactions per second on a real RocketMQ: `transactional` (the built package)
 * against the raw rocketmq-client-nodejs doing the same begin/send/commit with the same number in
 * flight. Rounds are interleaved, alternating which side goes first, and each run starts after a
 * pause in which the broker finishes the previous burst (flushing, dispatch), so that neither side
 * inherits the other's backlog. Each round yields one ratio of two runs made moments apart, which
 * cancels the broker's slow drift over a long benchmark. Prints JSON: rates, ratios, and this
 * process's CPU time per transaction for each side.
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

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

/** Runs one side after the pause; adds its rate and CPU µs per transaction to `into`. */
async function measure(run, into) {
  await settle();
  const cpu = process.cpuUsage();
  const { ms, committed } = await run();
  const used = process.cpuUsage(cpu);
  into.rates.push((committed / ms) * 1000);
  into.cpuUs.push((used.user + used.system) / committed);
}

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
  const ours = { rates: [], cpuUs: [] };
  const raw = { rates: [], cpuUs: [] };
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so that drift within a round does not favour one side.
    if (i % 2 === 0) {
      await measure(() => viaTransactional(broker), ours);
      await measure(() => viaRawClient(producer), raw);
    } else {
      await measure(() => viaRawClient(producer), raw);
      await measure(() => viaTransactional(broker), ours);
    }
  }
  const ratios = ours.rates.map((r, i) => r / raw.rates[i]);
  console.log(JSON.stringify({ inFlight, count, rounds, ours, raw, ratios }));
} finally {
  await broker.close();
  await producer.shutdown();
}
