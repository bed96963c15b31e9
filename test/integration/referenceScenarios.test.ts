/**
 * The scenarios of the reference documents, end to end on the real broker, by running the
 * examples that implement them (examples/02 and examples/03).
 */
import { describe, expect, inject, it } from 'vitest';
import { scenarioA } from '../../examples/02-check-backs-with-a-checker.js';
import { scenarioB } from '../../examples/03-user-property.js';

const mq = inject('rocketmq');
const timing = {
  transactionTimeoutMs: mq.transaction.timeoutMs,
  checkIntervalMs: mq.transaction.checkIntervalMs,
  checkMax: mq.transaction.checkMax,
};

describe.concurrent('reference scenarios on a real RocketMQ 5', () => {
  it('a over remoting, through the name server: the same outcome as over gRPC', {
    timeout: 120_000,
  }, async () => {
    const report = await scenarioA({
      nameServer: mq.namesrv,
      topic: mq.topics.remotingTopicTest as string,
      timing,
    });
    const byIndex = (rest: number) => report.transactions.filter((t) => t.index % 3 === rest);
    expect(report.transactions).toHaveLength(10);
    expect(byIndex(1).map((t) => t.fate)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([...report.received.map((r) => r.messageId)].sort()).toEqual(
      byIndex(1)
        .map((t) => t.messageId)
        .sort(),
    );
    expect(report.received.every((r) => r.body === 'Hello RocketMQ' && r.tag === 'TagA')).toBe(true);
    for (const t of byIndex(2)) expect(t.fate).toBe('rolled back');
    for (const t of byIndex(0)) {
      expect(t.fate).toBe('discarded');
      expect(new Set(t.checkAnswers)).toEqual(new Set(['unknown']));
    }
  });

  it('b over remoting, through the name server: the property arrives', { timeout: 120_000 }, async () => {
    const received = await scenarioB({
      nameServer: mq.namesrv,
      topic: mq.topics.remotingPropertyTest as string,
      waitMs: 60_000,
    });
    expect(received.body).toBe('message body');
    expect(received.properties.get('property')).toBe('test');
  });

  it('a: delivers exactly the check-back commits, never the rollbacks, and lets unknowns be discarded', {
    timeout: 120_000,
  }, async () => {
    const report = await scenarioA({ endpoints: mq.endpoints, topic: mq.topics.topicTest as string, timing });
    const byIndex = (rest: number) => report.transactions.filter((t) => t.index % 3 === rest);

    expect(report.transactions).toHaveLength(10);
    expect(report.transactions.every((t) => t.localAnswer === 'unknown')).toBe(true);
    // 1 → commit: received, with the tag and body sent.
    expect(byIndex(1).map((t) => t.fate)).toEqual(['delivered', 'delivered', 'delivered']);
    expect([...report.received.map((r) => r.messageId)].sort()).toEqual(
      byIndex(1)
        .map((t) => t.messageId)
        .sort(),
    );
    expect(report.received.every((r) => r.body === 'Hello RocketMQ' && r.tag === 'TagA')).toBe(true);
    for (const t of byIndex(1)) expect(t.checkAnswers).toEqual(['commit']);
    // 2 → rollback: never received.
    for (const t of byIndex(2)) {
      expect(t.fate).toBe('rolled back');
      expect(t.checkAnswers).toEqual(['rollback']);
    }
    // 0 → unknown: asked again and again (up to checkMax times; the broker may skip a pass),
    // always answered unknown, never received.
    for (const t of byIndex(0)) {
      expect(t.fate).toBe('discarded');
      expect(t.checkAnswers.length).toBeGreaterThanOrEqual(2);
      expect(t.checkAnswers.length).toBeLessThanOrEqual(mq.transaction.checkMax);
      expect(new Set(t.checkAnswers)).toEqual(new Set(['unknown']));
    }
  });

  it('b: a message with a user property, committed by its check-back, arrives with the property', {
    timeout: 120_000,
  }, async () => {
    const received = await scenarioB({
      endpoints: mq.endpoints,
      topic: mq.topics.propertyTest as string,
      waitMs: 60_000,
    });
    expect(received.body).toBe('message body');
    expect(received.properties.get('property')).toBe('test');
  });
});
