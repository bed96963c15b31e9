import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/core/errors.js';
import { decodeFrame, FrameDecoder } from '../../../src/remoting/decodeFrames.js';
import { decodeMessages, messageBody } from '../../../src/remoting/decodeMessages.js';
import { decodeProperties, encodeProperties } from '../../../src/remoting/messageProperties.js';
import { encodeCommand, frame, isResponse, SerializeType } from '../../../src/remoting/RemotingCommand.js';
import { signRequest } from '../../../src/remoting/signRequest.js';
import { uniqueMessageId } from '../../../src/remoting/uniqueMessageId.js';

/** A binary (ROCKETMQ) header written field by field from the broker's layout. */
function binaryHeader(h: {
  code: number;
  language: number;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  ext: Record<string, string>;
}): Buffer {
  const parts: Buffer[] = [];
  const i16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    parts.push(b);
  };
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    parts.push(b);
  };
  i16(h.code);
  parts.push(Buffer.from([h.language]));
  i16(h.version);
  i32(h.opaque);
  i32(h.flag);
  const remark = Buffer.from(h.remark ?? '', 'utf8');
  i32(remark.length);
  parts.push(remark);
  const ext: Buffer[] = [];
  for (const [k, v] of Object.entries(h.ext)) {
    const kb = Buffer.from(k);
    const vb = Buffer.from(v);
    const head = Buffer.alloc(2);
    head.writeInt16BE(kb.length);
    const vhead = Buffer.alloc(4);
    vhead.writeInt32BE(vb.length);
    ext.push(head, kb, vhead, vb);
  }
  const extBuf = Buffer.concat(ext);
  i32(extBuf.length);
  parts.push(extBuf);
  return Buffer.concat(parts);
}

describe('remoting frames', () => {
  it('writes a JSON header that reads back, with the length and header-mark words of the spec', () => {
    const bytes = encodeCommand({
      code: 310,
      opaque: 7,
      flag: 0,
      extFields: { a: 'group', b: 'topic' },
      body: Buffer.from('hello'),
    });
    const headerLength = bytes.readUInt32BE(4) & 0xffffff;
    expect(bytes.readUInt32BE(4) >>> 24).toBe(SerializeType.Json);
    expect(bytes.readInt32BE(0)).toBe(4 + headerLength + 5);
    expect(JSON.parse(bytes.subarray(8, 8 + headerLength).toString())).toMatchObject({
      code: 310,
      language: 'OTHER',
      version: 401,
      opaque: 7,
      flag: 0,
      extFields: { a: 'group', b: 'topic' },
    });
    const [back] = new FrameDecoder().push(bytes);
    expect(back).toMatchObject({ code: 310, opaque: 7, flag: 0, extFields: { a: 'group', b: 'topic' } });
    expect(back?.body?.toString()).toBe('hello');
  });

  it('reads a binary ROCKETMQ header: a broker-initiated check in the broker’s own format', () => {
    const header = binaryHeader({
      code: 39,
      language: 0,
      version: 479,
      opaque: 76,
      flag: 2,
      remark: '',
      ext: { msgId: 'ABC', tranStateTableOffset: '6', commitLogOffset: '3543' },
    });
    const bytes = frame(SerializeType.RocketMQ, header, Buffer.from([1, 2, 3]));
    const [command] = new FrameDecoder().push(bytes);
    expect(command).toEqual({
      code: 39,
      language: 'JAVA',
      version: 479,
      opaque: 76,
      flag: 2,
      extFields: { msgId: 'ABC', tranStateTableOffset: '6', commitLogOffset: '3543' },
      body: Buffer.from([1, 2, 3]),
    });
    expect(isResponse(command!)).toBe(false);
  });

  it('reads a binary response with a remark and tells it from a request by its flag', () => {
    const header = binaryHeader({
      code: 1,
      language: 0,
      version: 479,
      opaque: 76,
      flag: 1,
      remark: 'no',
      ext: {},
    });
    const command = decodeFrame(frame(SerializeType.RocketMQ, header, undefined).subarray(4));
    expect(command).toMatchObject({ code: 1, opaque: 76, remark: 'no', extFields: {} });
    expect(isResponse(command)).toBe(true);
  });

  it('reassembles frames split across chunks at every byte, and splits several in one chunk', () => {
    const frames = [1, 2, 3].map((n) =>
      encodeCommand({
        code: 10 + n,
        opaque: n,
        flag: 1,
        extFields: { n: String(n) },
        body: Buffer.alloc(n * 3, n),
      }),
    );
    const all = Buffer.concat(frames);
    const together = new FrameDecoder().push(all);
    expect(together.map((c) => c.opaque)).toEqual([1, 2, 3]);
    for (let cut = 1; cut < all.length; cut++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(all.subarray(0, cut)), ...decoder.push(all.subarray(cut))];
      expect(got.map((c) => c.opaque)).toEqual([1, 2, 3]);
      expect(decoder.pendingBytes).toBe(0);
    }
    const byteByByte = new FrameDecoder();
    const got = [...all].flatMap((b) => byteByByte.push(Buffer.from([b])));
    expect(got.map((c) => c.extFields.n)).toEqual(['1', '2', '3']);
    expect(got[2]?.body).toEqual(Buffer.alloc(9, 3));
  });

  it('refuses bad frames with a ProtocolError, never a crash', () => {
    const bad = (bytes: Buffer) => () => new FrameDecoder().push(bytes);
    const withLength = (n: number) => {
      const b = Buffer.alloc(8);
      b.writeInt32BE(n);
      return b;
    };
    expect(bad(withLength(2))).toThrow(ProtocolError);
    expect(bad(withLength(17 * 1024 * 1024))).toThrow(/length/);
    const longHeader = Buffer.alloc(12);
    longHeader.writeInt32BE(8);
    longHeader.writeUInt32BE(100, 4);
    expect(bad(longHeader)).toThrow(/header of 100 bytes/);
    expect(bad(frame(SerializeType.Json, Buffer.from('{not json'), undefined))).toThrow(/does not parse/);
    expect(bad(frame(SerializeType.Json, Buffer.from('"text"'), undefined))).toThrow(/not an object/);
    expect(bad(frame(SerializeType.Json, Buffer.from('{"code":"x"}'), undefined))).toThrow(/integer/);
    expect(bad(frame(5 as SerializeType, Buffer.from('{}'), undefined))).toThrow(/unknown header format/);
    const cut = binaryHeader({ code: 1, language: 0, version: 1, opaque: 1, flag: 1, ext: { a: 'b' } });
    expect(bad(frame(SerializeType.RocketMQ, cut.subarray(0, cut.length - 2), undefined))).toThrow(
      /ends early/,
    );
    try {
      bad(withLength(-1))();
    } catch (error) {
      expect(error).toMatchObject({ _tag: 'ProtocolError', retryable: true });
    }
  });
});

describe('message properties', () => {
  it('round-trips, every entry terminated, as the broker writes them', () => {
    const text = encodeProperties({ TAGS: 'a', UNIQ_KEY: 'X', 'user-key': 'été' });
    expect(text).toBe('TAGS\u0001a\u0002UNIQ_KEY\u0001X\u0002user-key\u0001été\u0002');
    expect(decodeProperties(text)).toEqual({ TAGS: 'a', UNIQ_KEY: 'X', 'user-key': 'été' });
  });

  it('drops what the broker’s parser drops: empty keys, empty values, pieces without a separator', () => {
    expect(decodeProperties('\u0001v\u0002k\u0001\u0002junk\u0002a\u0001b\u0002')).toEqual({ a: 'b' });
  });
});

describe('message ids', () => {
  it('are 32 upper-case hex characters, distinct, with the time since the month began', () => {
    const now = Date.UTC(2026, 5, 3, 12);
    const a = uniqueMessageId(now);
    const b = uniqueMessageId(now);
    expect(a).toMatch(/^[0-9A-F]{32}$/);
    expect(b).not.toBe(a);
    expect(a.slice(0, 20)).toBe(b.slice(0, 20));
    const d = new Date(now);
    const sinceMonth = now - new Date(d.getFullYear(), d.getMonth(), 1).getTime();
    expect(Number.parseInt(a.slice(20, 28), 16)).toBe(sinceMonth);
  });
});

describe('request signature', () => {
  it('is HMAC-SHA1 over the values in key order, then the body, and never carries the secret', () => {
    const body = Buffer.from('{"x":1}');
    const signed = signRequest({ b: '2', a: '1', Signature: 'old' }, body, {
      accessKey: 'AK',
      accessSecret: 'top-secret',
    });
    // Sorted keys: AccessKey, a, b.
    const expected = createHmac('sha1', 'top-secret').update('AK12').update(body).digest('base64');
    expect(signed).toEqual({ a: '1', b: '2', AccessKey: 'AK', Signature: expected });
    expect(JSON.stringify(signed)).not.toContain('top-secret');
  });
});

describe('stored messages', () => {
  /** One V1 record laid out as the broker's MessageDecoder.encode writes it. */
  function record(topic: string, body: Buffer, sysFlag: number, properties: string, ipv6 = false): Buffer {
    const host = Buffer.alloc(ipv6 ? 20 : 8);
    const props = Buffer.from(properties);
    const t = Buffer.from(topic);
    const size =
      4 +
      4 +
      4 +
      4 +
      4 +
      8 +
      8 +
      4 +
      8 +
      host.length +
      8 +
      host.length +
      4 +
      8 +
      4 +
      body.length +
      1 +
      t.length +
      2 +
      props.length;
    const b = Buffer.alloc(size);
    let at = 0;
    const i32 = (v: number) => {
      b.writeInt32BE(v, at);
      at += 4;
    };
    const i64 = (v: bigint) => {
      b.writeBigInt64BE(v, at);
      at += 8;
    };
    i32(size);
    i32(0xdaa320a7 | 0);
    i32(0); // crc
    i32(2); // queue
    i32(0); // flag
    i64(5n);
    i64(9_007_199_254_740_993n); // past Number's integers
    i32(sysFlag);
    i64(1_700_000_000_000n);
    host.copy(b, at);
    at += host.length;
    i64(1_700_000_000_100n);
    host.copy(b, at);
    at += host.length;
    i32(0);
    i64(0n);
    i32(body.length);
    body.copy(b, at);
    at += body.length;
    b.writeUInt8(t.length, at++);
    t.copy(b, at);
    at += t.length;
    b.writeInt16BE(props.length, at);
    at += 2;
    props.copy(b, at);
    return b;
  }

  it('decodes records back to back, IPv4 and IPv6 hosts, with 64-bit offsets as strings', () => {
    const a = record('Orders', Buffer.from('one'), 0, encodeProperties({ UNIQ_KEY: 'A' }));
    const b = record('Orders', Buffer.from('two'), 0x30, encodeProperties({ UNIQ_KEY: 'B' }), true);
    const [m1, m2] = decodeMessages(Buffer.concat([a, b]));
    expect(m1).toMatchObject({
      topic: 'Orders',
      queueId: 2,
      queueOffset: '5',
      bornTimestamp: 1_700_000_000_000,
    });
    expect(m1?.commitLogOffset).toBe('9007199254740993');
    expect(messageBody(m1!).toString()).toBe('one');
    expect(m2?.properties).toEqual({ UNIQ_KEY: 'B' });
    expect(messageBody(m2!).toString()).toBe('two');
  });

  it('inflates a zlib body, and refuses LZ4 or a broken body with a ProtocolError', () => {
    const zipped = record('T', deflateSync(Buffer.from('x'.repeat(5000)), { level: 5 }), 1 | (3 << 8), '');
    expect(messageBody(decodeMessages(zipped)[0]!).toString()).toBe('x'.repeat(5000));
    const lz4 = decodeMessages(record('T', Buffer.from('zz'), 1 | (1 << 8), ''))[0]!;
    expect(() => messageBody(lz4)).toThrow(/LZ4/);
    const broken = decodeMessages(record('T', Buffer.from('zz'), 1, ''))[0]!;
    expect(() => messageBody(broken)).toThrow(ProtocolError);
  });

  it('refuses a truncated record or an unknown magic', () => {
    const a = record('Orders', Buffer.from('one'), 0, '');
    expect(() => decodeMessages(a.subarray(0, a.length - 3))).toThrow(ProtocolError);
    const wrong = Buffer.from(a);
    wrong.writeInt32BE(1234, 4);
    expect(() => decodeMessages(wrong)).toThrow(/magic/);
  });
});
