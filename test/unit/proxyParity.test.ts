/**
 * Every message the 5.3.3 proxy refuses (test/support/proxyRefusals.ts, proven against the real
 * proxy by test/integration/proxyRefusals.test.ts) is refused here first: by validateMessage with
 * the path of the offending field, and by the virtual broker, which stores nothing.
 */
import { firstValueFrom, from } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RESERVED_PROPERTIES } from '../../src/core/messageRules.js';
import { ValidationError, type ValidMessage, validateMessage } from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';
import { proxyReservedNames, refusals } from '../support/proxyRefusals.js';

const utf8 = new TextEncoder();

/** What a caller that skipped validation would hand the port: the fields as they are. */
function unchecked(m: (typeof refusals)[number]['message']): ValidMessage {
  return {
    topic: 'Orders',
    body: utf8.encode(m.body),
    ...(m.tag === undefined ? {} : { tag: m.tag }),
    keys: m.keys ?? [],
    properties: m.properties ?? {},
  };
}

describe('refused before the broker, as the 5.3.3 proxy refuses', () => {
  for (const refusal of refusals) {
    it(`${refusal.what}: a ValidationError at ${JSON.stringify(refusal.path)}, and the virtual broker stores nothing`, async () => {
      const error = validateMessage({ topic: 'Orders', ...refusal.message });
      expect(error).toBeInstanceOf(ValidationError);
      const paths = (error as ValidationError).issues.map((i) => i.path.join('.'));
      expect(paths).toContain(refusal.path);

      const broker = virtualBroker();
      await expect(firstValueFrom(from(broker.sendHalf(unchecked(refusal.message))))).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof ValidationError && e.issues.some((i) => i.path.join('.') === refusal.path),
      );
      expect(broker.stats().sent).toBe(0);
      expect(broker.pending()).toEqual([]);
      broker.close();
    });
  }

  it('refuses system topics, as the proxy does for sends', () => {
    for (const topic of ['TBW102', 'RMQ_SYS_TRANS_HALF_TOPIC', 'rmq_sys_anything', 'SCHEDULE_TOPIC_XXXX']) {
      const error = validateMessage({ topic, body: 'x' });
      expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toEqual(['topic']);
    }
  });

  it('covers every name of the proxy reserved set, and says where the list is stricter', () => {
    for (const name of proxyReservedNames) expect(RESERVED_PROPERTIES.has(name)).toBe(true);
    expect(RESERVED_PROPERTIES.size).toBeGreaterThan(proxyReservedNames.length);
  });

  it('lists every issue of a message at once, the shared size limit included', () => {
    const error = validateMessage({
      topic: 'Orders',
      body: '',
      tag: 'a\u0007',
      keys: ['k'.repeat(17_000)],
      properties: { UNIQ_KEY: 'x', json: 'a\nb' },
    });
    expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'body',
      'tag',
      'properties.UNIQ_KEY',
      'properties.json',
      'properties',
    ]);
  });

  it('accepts what the proxy accepts at the limits', () => {
    const many = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`p${i}`, 'v']));
    expect(validateMessage({ topic: 'Orders', body: 'x', properties: many })).not.toBeInstanceOf(
      ValidationError,
    );
    // 16 384 bytes exactly: 'b' + 16 383
    expect(
      validateMessage({ topic: 'Orders', body: 'x', properties: { b: 'x'.repeat(16_383) } }),
    ).not.toBeInstanceOf(ValidationError);
    expect(
      validateMessage({ topic: 'Orders', body: 'x', properties: { json: '{"a":"b\\n"}' } }),
    ).not.toBeInstanceOf(ValidationError);
  });
});
