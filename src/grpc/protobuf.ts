/**
 * The few protobuf primitives the hot path needs (proto3 wire format): a writer into a buffer
 * sized exactly in advance, and a reader that walks fields and skips the ones it does not know.
 * Sizing first means one allocation per request and no copying of nested messages.
 */

export const Wire = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;
export type Wire = (typeof Wire)[keyof typeof Wire];

/** Bytes a non-negative integer (< 2^53) takes as a varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let rest = Math.floor(value / 0x800000000); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

/** Bytes of a length-delimited field of `length` bytes (field numbers below 16: a 1-byte tag). */
export function delimitedSize(field: number, length: number): number {
  return varintSize(field << 3) + varintSize(length) + length;
}

/** Bytes of a varint field; 0 when the value is the proto3 default and therefore not written. */
export function varintFieldSize(field: number, value: number): number {
  return value === 0 ? 0 : varintSize(field << 3) + varintSize(value);
}

export class ProtoWriter {
  readonly buffer: Buffer;
  private pos: number;

  /** `offset` leaves room in front (the gRPC frame prefix). */
  constructor(size: number, offset = 0) {
    this.buffer = Buffer.allocUnsafe(offset + size);
    this.pos = offset;
  }

  get position(): number {
    return this.pos;
  }

  varint(value: number): this {
    let v = value;
    while (v >= 0x80) {
      this.buffer[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buffer[this.pos++] = v;
    return this;
  }

  tag(field: number, wire: Wire): this {
    return this.varint((field << 3) | wire);
  }

  /** A varint field, skipped when 0 (proto3 default). */
  uint(field: number, value: number): this {
    if (value !== 0) this.tag(field, Wire.Varint).varint(value);
    return this;
  }

  /** A string field whose UTF-8 length the caller has measured already. */
  string(field: number, value: string, byteLength: number): this {
    this.tag(field, Wire.Bytes).varint(byteLength);
    this.pos += this.buffer.write(value, this.pos, byteLength, 'utf8');
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, Wire.Bytes).varint(value.byteLength);
    this.buffer.set(value, this.pos);
    this.pos += value.byteLength;
    return this;
  }

  /** The header of a nested message of `size` bytes; its fields follow. */
  message(field: number, size: number): this {
    return this.tag(field, Wire.Bytes).varint(size);
  }
}

/** Thrown for bytes that are not the protobuf they claim to be. */
export class ProtoDecodeError extends Error {}

export class ProtoReader {
  private pos: number;

  constructor(
    private readonly buffer: Buffer,
    start = 0,
    private readonly end = buffer.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number: exact up to 2^53, which covers every field the hot path reads. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoDecodeError('truncated varint');
      const byte = this.buffer[this.pos++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
    throw new ProtoDecodeError('varint longer than 10 bytes');
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wire: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key % 8 };
  }

  /** The bounds of a length-delimited field's content, and moves past it. */
  delimited(): [start: number, end: number] {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw new ProtoDecodeError('length beyond the message');
    this.pos = start + length;
    return [start, this.pos];
  }

  string(): string {
    const [start, end] = this.delimited();
    return this.buffer.toString('utf8', start, end);
  }

  /** A reader over a nested message. */
  nested(): ProtoReader {
    const [start, end] = this.delimited();
    return new ProtoReader(this.buffer, start, end);
  }

  skip(wire: number): void {
    switch (wire) {
      case Wire.Varint:
        this.varint();
        return;
      case Wire.Fixed64:
        this.pos += 8;
        break;
      case Wire.Bytes:
        this.delimited();
        return;
      case Wire.Fixed32:
        this.pos += 4;
        break;
      default:
        throw new ProtoDecodeError(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new ProtoDecodeError('truncated field');
  }
}
