/**
 * One remoting command (the classic RocketMQ protocol of name servers and brokers) and how we
 * write it: a length-prefixed frame with a JSON header. Headers are read in both formats
 * (decodeFrames.ts); we always write JSON, which every broker accepts whatever its own format.
 */

/** Bits of `flag`: a response, and a request that expects none. */
export const RpcFlag = { Response: 1, Oneway: 2 } as const;

/** Header formats: the high byte of the header-length word. */
export const SerializeType = { Json: 0, RocketMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** Largest frame a broker accepts or sends (its decoder's default frameMaxLength). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * The client version we announce: 4.9.4. From it on, name servers answer standard JSON routes;
 * above 5.3.1 a shutting-down broker would answer GO_AWAY, which we do not speak.
 */
export const CLIENT_VERSION = 401;

/**
 * OTHER: known to 4.x and 5.x brokers alike (NODE_JS exists only from 5.3.2, and an older broker
 * cannot parse it). Brokers use the language for listings only.
 */
export const CLIENT_LANGUAGE = 'OTHER';

export interface RemotingCommand {
  readonly code: number;
  readonly opaque: number;
  readonly flag: number;
  readonly language?: string;
  readonly version?: number;
  readonly remark?: string;
  /** Custom-header fields: every value is a string on the wire. */
  readonly extFields: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export const isResponse = (command: RemotingCommand) => (command.flag & RpcFlag.Response) !== 0;
export const isOneway = (command: RemotingCommand) => (command.flag & RpcFlag.Oneway) !== 0;

/** The frame of a command, JSON header. */
export function encodeCommand(command: RemotingCommand): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      code: command.code,
      language: command.language ?? CLIENT_LANGUAGE,
      version: command.version ?? CLIENT_VERSION,
      opaque: command.opaque,
      flag: command.flag,
      ...(command.remark === undefined ? {} : { remark: command.remark }),
      extFields: command.extFields,
      serializeTypeCurrentRPC: 'JSON',
    }),
    'utf8',
  );
  return frame(SerializeType.Json, header, command.body);
}

/** Length word, header-mark word (format in the high byte, header length below), header, body. */
export function frame(type: SerializeType, header: Buffer, body: Buffer | undefined): Buffer {
  const bodyLength = body?.length ?? 0;
  const out = Buffer.allocUnsafe(8 + header.length + bodyLength);
  out.writeInt32BE(4 + header.length + bodyLength, 0);
  out.writeUInt32BE(((type << 24) | header.length) >>> 0, 4);
  header.copy(out, 8);
  if (body) body.copy(out, 8 + header.length);
  return out;
}
