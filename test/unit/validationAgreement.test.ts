/**
 * The quick checks that accept valid messages without loading the schema must never accept what
 * the schema rejects, and must produce the same message when both accept. Held over a generated
 * corpus that mixes valid and invalid values of every field.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PROPERTIES_BYTES } from '../../src/core/messageRules.js';
import { MAX_BODY_BYTES, type ValidMessage } from '../../src/core/TransactionalMessage.js';
import { quickValid, validateWithSchema } from '../../src/core/validateMessage.js';
import { rng } from '../crash/rng.js';

// Per field: values the schema accepts, then values it rejects. `undefined` means set but empty.
const pools: Record<string, readonly [valid: readonly unknown[], invalid: readonly unknown[]]> = {
  topic: [
    ['Orders', 'a', 'Orders_%EU|1', 'T'.repeat(127)],
    ['T'.repeat(128), '', 'orders.eu', 'a b', 'é', 7, undefined, 'rmq_sys_x', 'TBW102'],
  ],
  body: [
    [
      'hello',
      'héllo wörld ✓',
      new Uint8Array([1, 2, 3]),
      new Uint8Array(MAX_BODY_BYTES),
      'x'.repeat(Math.floor(MAX_BODY_BYTES / 3)),
      'x'.repeat(MAX_BODY_BYTES), // valid, but beyond what the quick check decides
    ],
    [
      new Uint8Array(MAX_BODY_BYTES + 1),
      '€'.repeat(Math.floor(MAX_BODY_BYTES / 3) + 1), // too many bytes once encoded
      42,
      null,
      [1, 2],
      '',
      new Uint8Array(0),
    ],
  ],
  tag: [
    [undefined, 'TagA', 'a b', 'T'.repeat(6_000)],
    [' ', '', 'a|b', 7, '\t', 'a\u0007b', 'a\u0085'],
  ],
  keys: [
    [undefined, [], ['k1'], ['k1', 'k2']],
    [[''], ['a b'], ['k\n'], 'k1', [7], [' '], ['k\u0000'], ['k\u009f']],
  ],
  properties: [
    [
      undefined,
      {},
      { order: '1' },
      { 'a b': 'x' },
      { json: '{"a":"b\\n"}' },
      manyProperties(128),
      { big: 'é'.repeat(5_000) }, // 10 000 bytes: within the limit, alone
    ],
    [
      { UNIQ_KEY: 'x' },
      { TAGS: 'x', ok: 'y' },
      { ' ': 'x' },
      { n: 7 },
      ['x'],
      null,
      'p',
      { '__CRC32#': 'x' },
      { DLQ_ORIGIN_TOPIC: 'x' },
      { json: '{"a":"b\n"}' },
      { 'a\u0001': 'x' },
      manyProperties(129),
      { big: 'x'.repeat(16 * 1024) },
    ],
  ],
};
function manyProperties(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${i}`, 'v']));
}

const forbidden = [
  { deliveryDelayMs: 1000 },
  { deliveryTimestamp: new Date(0) },
  { messageGroup: 'g' },
  { priority: 1 },
];

function generate(count: number, seed: number): Record<string, unknown>[] {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return Array.from({ length: count }, () => {
    const m: Record<string, unknown> = {};
    for (const [field, [valid, invalid]] of Object.entries(pools)) {
      const value = pick(next() < 0.15 ? invalid : valid);
      // Absent and set-but-undefined are different inputs: try both.
      if (value !== undefined || next() < 0.5) m[field] = value;
    }
    if (next() < 0.1) Object.assign(m, pick(forbidden));
    if (next() < 0.1) m.deliveryDelayMs = undefined; // asks for nothing: valid
    if (next() < 0.2) m.somethingElse = 1; // unknown fields are ignored
    return m;
  });
}

function longStrings(m: Record<string, unknown>): boolean {
  const strings = [
    m.tag,
    ...(Array.isArray(m.keys) ? m.keys : []),
    ...Object.entries((m.properties as object | undefined) ?? {}).flat(),
  ];
  const units = strings.reduce((n: number, s) => n + (typeof s === 'string' ? s.length : 0), 0);
  return units * 3 > MAX_PROPERTIES_BYTES;
}

function same(a: ValidMessage, b: ValidMessage) {
  expect(a.topic).toBe(b.topic);
  expect(a.tag).toBe(b.tag);
  expect(a.keys).toEqual(b.keys);
  expect(a.properties).toEqual(b.properties);
  expect(Buffer.from(a.body).equals(Buffer.from(b.body))).toBe(true);
}

describe('quick checks and the schema', () => {
  it('agree on every generated message: the quick path accepts only what the schema accepts, identically', () => {
    let quickAccepted = 0;
    let schemaAccepted = 0;
    let schemaOnly = 0;
    for (const input of generate(1_500, 20261123)) {
      const quick = quickValid(input);
      const schema = validateWithSchema(input);
      if (!Array.isArray(schema)) schemaAccepted++;
      if (quick) {
        quickAccepted++;
        expect(Array.isArray(schema), JSON.stringify(Object.keys(input))).toBe(false);
        same(quick, schema as ValidMessage);
      } else if (!Array.isArray(schema)) {
        // Left to the schema on purpose: strings too long to bound cheaply (a body, or the
        // properties, tag and keys that share one size limit).
        schemaOnly++;
        expect(
          (typeof input.body === 'string' && input.body.length * 3 > MAX_BODY_BYTES) || longStrings(input),
        ).toBe(true);
      }
    }
    // The corpus exercised both sides, and the quick path took nearly every valid message.
    expect(quickAccepted).toBeGreaterThan(200);
    expect(schemaAccepted - quickAccepted).toBe(schemaOnly);
    expect(schemaAccepted).toBeLessThan(1_500 - 200);
  });
});
