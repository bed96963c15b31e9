/**
 * What the real 5.x proxy does with a second end call for a transaction it has already ended:
 * the first end removes the transaction's data, so the second is refused ("cannot found
 * transaction data") — whatever its resolution. The virtual broker is held to this.
 */
import type { Producer } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { mapClientError } from '../../src/grpc/mapClientError.js';
import { Resolution, Source, startCollector, startTransactionalProducer } from '../support/rawClient.ts';

const mq = inject('rocketmq');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** The client's own end call (the one Transaction.commit() makes), to call it a second time. */
type EndCall = (
  endpoints: unknown,
  message: { topic: string },
  messageId: string,
  transactionId: string,
  resolution: Resolution,
  source: number,
) => Promise<void>;

describe('a repeated end call on a real RocketMQ 5 proxy', () => {
  it('is refused once the first end has removed the transaction data, whatever its resolution', async () => {
    const topic = mq.topics.rawRepeatedEnd as string;
    const collector = await startCollector(mq.endpoints, topic, `g_${topic}`);
    cleanups.push(() => collector.stop());
    const producer: Producer = await startTransactionalProducer(mq.endpoints, [topic], async () => null);
    cleanups.push(() => producer.shutdown());
    const endCall = (producer as unknown as { endTransaction: EndCall }).endTransaction.bind(producer);

    const tx = producer.beginTransaction();
    const receipt = (await producer.send({ topic, body: Buffer.from('ended twice') }, tx)) as unknown as {
      messageId: string;
      transactionId: string;
      endpoints: unknown;
    };
    await tx.commit();
    const outcome = (resolution: Resolution) =>
      endCall(
        receipt.endpoints,
        { topic },
        receipt.messageId,
        receipt.transactionId,
        resolution,
        Source.SOURCE_CLIENT,
      ).then(
        () => 'accepted',
        (error: unknown) => mapClientError(error, {})._tag,
      );
    expect(await outcome(Resolution.COMMIT)).toBe('TransactionNotFoundError');
    expect(await outcome(Resolution.ROLLBACK)).toBe('TransactionNotFoundError');

    // The first commit stands: delivered once, and the refused rollback changed nothing.
    expect(await collector.waitFor((r) => r.length > 0, 20_000)).toBe(true);
    expect(collector.received.map((r) => r.messageId)).toEqual([receipt.messageId]);
  });
});
