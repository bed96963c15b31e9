/**
 * A child process for the "leaves nothing running" tests: connects, commits one transaction,
 * says "ready", waits for "close" on stdin, closes the transport and then does nothing at all.
 * The test measures that the process exits by itself. Usage: exitProbe.ts <endpoints> <topic>
 */
import { createInterface } from 'node:readline';
import { from, lastValueFrom, toArray } from 'rxjs';
import { rocketmqBroker, TransactionState, transactional } from '../../src/index.js';

const [endpoints = '', topic = ''] = process.argv.slice(2);
const broker = await rocketmqBroker({ endpoints, topics: [topic], hotPath: process.env.RX_HOT_PATH !== '0' });
const results = await lastValueFrom(
  from([{ topic, body: 'exit probe' }]).pipe(
    transactional(broker, () => TransactionState.Commit),
    toArray(),
  ),
);
console.log(`ready ${results.map((r) => (r._tag === 'Resolved' ? r.fate : r.error._tag)).join(',')}`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'close') return;
  lines.close();
  const started = Date.now();
  broker.close().then(
    () => console.log(`closed in ${Date.now() - started} ms`),
    (e) => console.log(`close failed: ${String(e)}`),
  );
});
