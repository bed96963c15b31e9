/**
 * One run of one side of the real-broker benchmark, in a fresh process: `transactional` (the built
 * package), the raw rocketmq-client-nodejs doing the same begin/send/commit with the same number in
 * flight, or our transport alone (its sendHalf and endTransaction called from the same plain loop
 * as the raw client's), which tells the adapter's cost apart from the operators'. It connects, warms up to steady state, lets the broker settle, then measures committed
 * transactions per second and this process's CPU time per transaction. Prints JSON.
 *
 * A fresh process per run keeps the two sides from sharing what would bias one of them: grpc-js
 * shares connections between clients of one process, garbage left by one run is collected during
 * the next, and the client's compiled code would be shaped by both sides' calls.
 * `official` is `transactional` with the transport's hot path off (every call through the client).
 * `remoting` and `remoting-oneway` are `transactional` over the remoting transport (two-way or
 * oneway end call); for them <endpoints> is the name server.
 * Usage: node bench/realThroughput.mjs <ours|official|raw|transport|remoting|remoting-oneway> <endpoints> <topic> <inFlight> <count>
 */
import { Producer } from 'rocketmq-client-nodejs';
import { pullable, remotingBroker, rocketmqBroker, TransactionState, transactional } from 'rocketmq-rx';
import { firstValueFrom, from, lastValueFrom, reduce } from 'rxjs';

const [side, endpoints, topic, inFlightArg, countArg] = process.argv.slice(2);
const inFlight = Number(inFlightArg);
const count = Number(countArg);
const body = Buffer.from('benchmark payload of a typical size for an order event, ~64 bytes');
const silent = { info() {}, warn() {}, error() {}, debug() {} };

function viaTransactional(broker, n) {
  function* messages() {
    for (let i = 0; i < n; i++) yield { topic, body, tag: 'TagA' };
  }
  return lastValueFrom(
    pullable(messages()).pipe(
      transactional(broker, () => TransactionState.Commit, { concurrency: inFlight }),
      reduce((c, r) => (r._tag === 'Resolved' && r.fate === 'committed' ? c + 1 : c), 0),
    ),
  );
}

async function viaRawClient(producer, n) {
  let next = 0;
  let committed = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const tx = producer.beginTransaction();
      await producer.send({ topic, body, tag: 'TagA' }, tx);
      await tx.commit();
      committed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return committed;
}

/** The same plain loop as the raw client's, over our transport's port methods. */
async function viaTransport(broker, n) {
  const message = { topic, body, tag: 'TagA', keys: [], properties: {} };
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const half = await firstValueFrom(from(broker.sendHalf(message)));
      await lastValueFrom(
        from(broker.endTransaction({ topic, ...half, resolution: 'commit', source: 'client' })),
        { defaultValue: undefined },
      );
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return n;
}

let run;
let close;
if (side === 'remoting' || side === 'remoting-oneway') {
  const broker = await remotingBroker({
    nameServer: endpoints,
    producerGroup: `pg_bench_${topic}`,
    topics: [topic],
    endCall: side === 'remoting' ? 'two-way' : 'oneway',
  });
  run = (n) => viaTransactional(broker, n);
  close = () => broker.close();
} else if (side === 'transport') {
  const broker = await rocketmqBroker({ endpoints, topics: [topic] });
  run = (n) => viaTransport(broker, n);
  close = () => broker.close();
} else if (side === 'ours' || side === 'official') {
  const broker = await rocketmqBroker({ endpoints, topics: [topic], hotPath: side === 'ours' });
  run = (n) => viaTransactional(broker, n);
  close = () => broker.close();
} else {
  const producer = new Producer({
    endpoints,
    namespace: '',
    topics: [topic],
    logger: silent,
    checker: { check: async () => null },
  });
  await producer.startup();
  run = (n) => viaRawClient(producer, n);
  close = () => producer.shutdown();
}
try {
  // Warm up to steady state: at least 3 s and 1,000 transactions. Compiling the hot code takes
  // CPU of this process, and a short warm-up would charge it to the measured run (more so for the
  // side with more code to compile); a producer runs for hours. Then let the broker finish the
  // burst (flushing, dispatch) so that the measured run does not inherit it.
  const warmUntil = performance.now() + 3_000;
  for (let warmed = 0; warmed < 1_000 || performance.now() < warmUntil; ) {
    warmed += await run(Math.max(50, Math.min(1_000, Math.floor(count / 4))));
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const cpu = process.cpuUsage();
  const start = performance.now();
  const committed = await run(count);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (committed !== count) throw new Error(`${side}: ${committed} of ${count} committed`);
  console.log(
    JSON.stringify({
      side,
      inFlight,
      count,
      rate: (committed / ms) * 1000,
      cpuUs: (used.user + used.system) / committed,
    }),
  );
} finally {
  await close();
}
