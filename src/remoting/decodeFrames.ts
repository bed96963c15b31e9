/**
 * Reads remoting frames out of a TCP byte stream: any number per chunk, a frame split across any
 * number of chunks, headers in JSON or in the binary ROCKETMQ format (a broker answers in its own
 * configured format, not in ours). Bad bytes become a ProtocolError, never a crash: the caller
 * closes the connection, since a stream cannot be resynchronised after a bad length.
 */
import { ProtocolError } from '../core/errors.js';
import { MAX_FRAME_BYTES, type RemotingCommand, SerializeType } from './RemotingCommand.js';

/** Binary-header language bytes, by their LanguageCode ordinal. */
const LANGUAGES = [
  'JAVA',
  'CPP',
  'DOTNET',
  'PYTHON',
  'DELPHI',
  'ERLANG',
  'RUBY',
  'OTHER',
  'HTTP',
  'GO',
  'PHP',
  'OMS',
  'RUST',
  'NODE_JS',
];

/** A stateful splitter: feed it chunks, it returns the complete commands so far. */
export class FrameDecoder {
  private buffered: Buffer | undefined;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Commands completed by this chunk (possibly none). Throws ProtocolError on a bad frame. */
  push(chunk: Buffer): RemotingCommand[] {
    let data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const commands: RemotingCommand[] = [];
    while (data.length >= 4) {
      const length = data.readInt32BE(0);
      if (length < 4 || length > this.maxFrameBytes) {
        throw new ProtocolError(`Bad remoting frame: length ${length} (4 to ${this.maxFrameBytes} allowed)`);
      }
      if (data.length < 4 + length) break;
      commands.push(decodeFrame(data.subarray(4, 4 + length)));
      data = data.subarray(4 + length);
    }
    // A copy of the tail only: a subarray would keep the whole chunk alive.
    this.buffered = data.length === 0 ? undefined : Buffer.from(data);
    return commands;
  }

  /** Bytes of an incomplete frame held so far. */
  get pendingBytes(): number {
    return this.buffered?.length ?? 0;
  }
}

/** One frame without its length word: header-mark word, header, body. */
export function decodeFrame(frame: Buffer): RemotingCommand {
  const mark = frame.readUInt32BE(0);
  const type = mark >>> 24;
  const headerLength = mark & 0xffffff;
  if (headerLength > frame.length - 4) {
    throw new ProtocolError(
      `Bad remoting frame: header of ${headerLength} bytes in a ${frame.length}-byte frame`,
    );
  }
  const header = frame.subarray(4, 4 + headerLength);
  const body = frame.length > 4 + headerLength ? Buffer.from(frame.subarray(4 + headerLength)) : undefined;
  const command =
    type === SerializeType.Json
      ? decodeJsonHeader(header)
      : type === SerializeType.RocketMQ
        ? decodeBinaryHeader(header)
        : undefined;
  if (!command) throw new ProtocolError(`Bad remoting frame: unknown header format ${type}`);
  return body ? { ...command, body } : command;
}

function decodeJsonHeader(header: Buffer): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header.toString('utf8'));
  } catch (error) {
    throw new ProtocolError('Bad remoting frame: the JSON header does not parse', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new ProtocolError('Bad remoting frame: the JSON header is not an object');
  }
  const h = parsed as Record<string, unknown>;
  if (!Number.isInteger(h.code) || !Number.isInteger(h.opaque ?? 0) || !Number.isInteger(h.flag ?? 0)) {
    throw new ProtocolError('Bad remoting frame: code, opaque or flag is not an integer');
  }
  const extFields: Record<string, string> = {};
  if (typeof h.extFields === 'object' && h.extFields !== null) {
    for (const [key, value] of Object.entries(h.extFields)) {
      if (value !== null && value !== undefined) extFields[key] = String(value);
    }
  }
  return {
    code: h.code as number,
    opaque: (h.opaque as number | undefined) ?? 0,
    flag: (h.flag as number | undefined) ?? 0,
    ...(typeof h.language === 'string' ? { language: h.language } : {}),
    ...(Number.isInteger(h.version) ? { version: h.version as number } : {}),
    ...(typeof h.remark === 'string' ? { remark: h.remark } : {}),
    extFields,
  };
}

function decodeBinaryHeader(header: Buffer): RemotingCommand {
  let at = 0;
  const need = (n: number) => {
    if (n < 0 || at + n > header.length) {
      throw new ProtocolError(
        `Bad remoting frame: the binary header ends early (at byte ${at} of ${header.length})`,
      );
    }
  };
  const int16 = () => {
    need(2);
    const v = header.readInt16BE(at);
    at += 2;
    return v;
  };
  const int32 = () => {
    need(4);
    const v = header.readInt32BE(at);
    at += 4;
    return v;
  };
  const text = (n: number) => {
    need(n);
    const v = header.toString('utf8', at, at + n);
    at += n;
    return v;
  };
  const code = int16();
  need(1);
  const language = LANGUAGES[header.readUInt8(at++)] ?? 'OTHER';
  const version = int16();
  const opaque = int32();
  const flag = int32();
  const remarkLength = int32();
  const remark = remarkLength > 0 ? text(remarkLength) : undefined;
  const extLength = int32();
  need(extLength);
  const end = at + extLength;
  const extFields: Record<string, string> = {};
  while (at < end) {
    const key = text(int16());
    const value = text(int32());
    // The broker's own decoder reads an empty string as absent.
    if (key !== '') extFields[key] = value;
  }
  if (at !== end) throw new ProtocolError('Bad remoting frame: binary header fields overrun their length');
  return { code, opaque, flag, language, version, ...(remark === undefined ? {} : { remark }), extFields };
}
