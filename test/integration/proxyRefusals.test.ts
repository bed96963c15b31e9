/**
 * The ground truth behind test/unit/proxyParity.test.ts: each message of the refusal table, sent
 * raw through rocketmq-client-nodejs (no validation of ours in the way), is refused by the real
 * 5.3.3 proxy with the code the table names. A valid message sent last proves the producer was
 * able to send all along.
 */
import type { Producer } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refusals } from '../support/proxyRefusals.ts';
import { Resolution, startTransactionalProducer } from '../support/rawClient.ts';

const mq = inject('rocketmq');
const topic = mq.topics.proxyRefusals as string;
let producer: Producer;

beforeAll(async () => {
  producer = await startTransactionalProducer(mq.endpoints, [topic], async () => Resolution.ROLLBACK);
});
afterAll(async () => {
  await producer?.shutdown();
});

async function sendRaw(m: (typeof refusals)[number]['message']) {
  const tx = producer.beginTransaction();
  const receipt = await producer.send(
    {
      topic,
      body: Buffer.from(m.body),
      ...(m.tag === undefined ? {} : { tag: m.tag }),
      ...(m.keys === undefined ? {} : { keys: [...m.keys] }),
      ...(m.properties === undefined ? {} : { properties: new Map(Object.entries(m.properties)) }),
    },
    tx,
  );
  await tx.rollback();
  return receipt;
}

describe('the 5.3.3 proxy refuses', () => {
  for (const refusal of refusals) {
    it(`${refusal.what} (code ${refusal.code})`, async () => {
      const outcome = await sendRaw(refusal.message).then(
        (receipt) => ({ sent: receipt.messageId }),
        (error: { code?: unknown; message?: string }) => ({ code: error.code, message: error.message }),
      );
      expect(outcome).toMatchObject({ code: refusal.code });
    });
  }

  it('and accepts a valid message from the same producer', async () => {
    const receipt = await sendRaw({
      body: 'fine',
      tag: 'TagA',
      keys: ['k1'],
      properties: { json: '{"a":1}' },
    });
    expect(receipt.messageId).toMatch(/\w+/);
  });
});
