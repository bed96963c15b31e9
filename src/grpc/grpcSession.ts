/**
 * Unary gRPC calls over one `node:http2` session of our own: framing, deadlines, message-size
 * limits, gRPC status, and a new connection when the old one is gone. It does for two RPCs what
 * grpc-js does for all of them, without the per-call error object for stack capture, the layered
 * call objects, and a promise and a timer per call.
 */
import * as http2 from 'node:http2';
import { FRAME_PREFIX } from './transactionMessages.js';

/** gRPC status codes used here (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcCode = {
  Ok: 0,
  Cancelled: 1,
  Unknown: 2,
  DeadlineExceeded: 4,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;

/**
 * A failed call: `code` is a gRPC status code, or a RocketMQ code (≥ 10 000) when the proxy
 * answered with a RocketMQ status — the same duck-typed shape the official client's errors have,
 * so one mapping types both.
 */
export class CallError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

/** The response message's bytes: `buffer[start, end)`. */
export type Reply = (error: CallError | undefined, buffer?: Buffer, start?: number, end?: number) => void;

export interface GrpcSessionOptions {
  /** `host:port`. */
  readonly endpoints: string;
  readonly tls: boolean;
  readonly timeoutMs: number;
  /** Largest request message, bytes. */
  readonly maxSendBytes: number;
  /** Largest response message, bytes (grpc-js's default is 4 MiB). */
  readonly maxReceiveBytes: number;
  readonly headers: (path: string, timeoutMs: number) => Record<string, string>;
}

interface Call {
  readonly stream: http2.ClientHttp2Stream;
  readonly session: Connection;
  readonly deadline: number;
  readonly reply: Reply;
  done: boolean;
}

interface Connection {
  readonly http2: http2.ClientHttp2Session;
  /** When a response last arrived on it: a session that answers nothing is replaced. */
  lastReplyAt: number;
}

const { NGHTTP2_CANCEL } = http2.constants;

/** gRPC's mapping of HTTP statuses of a response that is not gRPC. */
function fromHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.Internal;
    case 401:
      return GrpcCode.Unauthenticated;
    case 403:
      return GrpcCode.PermissionDenied;
    case 404:
      return GrpcCode.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.Unavailable;
    default:
      return GrpcCode.Unknown;
  }
}

function grpcMessage(value: unknown): string {
  if (typeof value !== 'string') return '';
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface GrpcSession {
  /** Sends one framed request to `path`; `reply` is called exactly once. */
  call(path: string, frame: Buffer, reply: Reply): void;
  /** Ends the connection; calls still under way fail with UNAVAILABLE. */
  close(): void;
}

export function grpcSession(options: GrpcSessionOptions): GrpcSession {
  const { endpoints, timeoutMs } = options;
  const authority = `${options.tls ? 'https' : 'http'}://${endpoints}`;
  let current: Connection | undefined;
  let closed = false;

  // Calls in the order they were made. Every call has the same timeout, so the earliest deadline
  // is at the head, and one timer sweeping from the head replaces a timer per call.
  let pending: Call[] = [];
  let head = 0;
  let sweeper: NodeJS.Timeout | undefined;
  const sweepEveryMs = Math.max(10, Math.min(100, Math.floor(timeoutMs / 20)));

  const connect = (): Connection => {
    const session = http2.connect(authority, { settings: { enablePush: false } });
    const connection: Connection = { http2: session, lastReplyAt: Date.now() };
    const forget = () => {
      if (current === connection) current = undefined;
    };
    // Failures reach each stream too; the session's own error only means "connect anew".
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    return connection;
  };

  const sweep = () => {
    const now = Date.now();
    while (head < pending.length) {
      const call = pending[head] as Call;
      if (!call.done) {
        if (call.deadline > now) break;
        call.done = true;
        call.stream.close(NGHTTP2_CANCEL);
        // A connection that has answered nothing for a whole timeout is likely dead without
        // having said so (a black-holed host): the next call connects anew.
        if (now - call.session.lastReplyAt >= timeoutMs && current === call.session) {
          current = undefined;
          call.session.http2.destroy();
        }
        call.reply(
          new CallError(GrpcCode.DeadlineExceeded, `no answer from ${endpoints} within ${timeoutMs} ms`),
        );
      }
      head++;
    }
    if (head === pending.length) {
      pending = [];
      head = 0;
      clearInterval(sweeper);
      sweeper = undefined;
    } else if (head > 1024 && head * 2 > pending.length) {
      pending = pending.slice(head);
      head = 0;
    }
  };

  const call = (path: string, frame: Buffer, reply: Reply) => {
    if (closed) {
      reply(new CallError(GrpcCode.Unavailable, 'the connection is closed'));
      return;
    }
    if (frame.length - FRAME_PREFIX > options.maxSendBytes) {
      // PAYLOAD_TOO_LARGE: refused here, as the proxy would, without sending it.
      reply(
        new CallError(
          41300,
          `request of ${frame.length - FRAME_PREFIX} bytes exceeds ${options.maxSendBytes}`,
        ),
      );
      return;
    }
    current ??= connect();
    const connection = current;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = connection.http2.request(options.headers(path, timeoutMs), { endStream: false });
    } catch (error) {
      // The session died between our check and the request: connect anew next time.
      if (current === connection) current = undefined;
      reply(new CallError(GrpcCode.Unavailable, `could not send to ${endpoints}: ${String(error)}`));
      return;
    }
    const entry: Call = { stream, session: connection, deadline: Date.now() + timeoutMs, reply, done: false };
    pending.push(entry);
    sweeper ??= setInterval(sweep, sweepEveryMs).unref();

    let httpStatus = 0;
    let status: number | undefined;
    let message = '';
    let body: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let received = 0;
    let failure: CallError | undefined;
    let streamError: unknown;

    const finish = (error: CallError | undefined, buffer?: Buffer, start?: number, end?: number) => {
      if (entry.done) return;
      entry.done = true;
      reply(error, buffer, start, end);
    };
    const statusFrom = (headers: http2.IncomingHttpHeaders) => {
      const value = headers['grpc-status'];
      if (value !== undefined) {
        status = Number(value);
        message = grpcMessage(headers['grpc-message']);
      }
    };

    stream.on('response', (headers) => {
      httpStatus = Number(headers[':status']);
      statusFrom(headers); // a trailers-only response carries its status here
    });
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.maxReceiveBytes + FRAME_PREFIX) {
        failure ??= new CallError(
          GrpcCode.ResourceExhausted,
          `response larger than ${options.maxReceiveBytes} bytes from ${endpoints}`,
        );
        stream.close(NGHTTP2_CANCEL);
        return;
      }
      if (body === undefined) body = chunk;
      else {
        chunks ??= [body];
        chunks.push(chunk);
      }
    });
    stream.on('trailers', statusFrom);
    stream.on('error', (error) => {
      streamError = error;
    });
    stream.on('close', () => {
      if (entry.done) return;
      if (failure) return finish(failure);
      if (status === undefined) {
        if (httpStatus !== 0 && httpStatus !== 200) {
          return finish(new CallError(fromHttpStatus(httpStatus), `HTTP ${httpStatus} from ${endpoints}`));
        }
        const why = streamError instanceof Error ? streamError.message : `stream reset (${stream.rstCode})`;
        return finish(new CallError(GrpcCode.Unavailable, `connection to ${endpoints} lost: ${why}`));
      }
      if (status !== GrpcCode.Ok) return finish(new CallError(status, message || `gRPC status ${status}`));
      const all = chunks ? Buffer.concat(chunks) : body;
      if (all === undefined || all.length < FRAME_PREFIX) {
        return finish(new CallError(GrpcCode.Internal, `no response message from ${endpoints}`));
      }
      if (all[0] !== 0) {
        return finish(
          new CallError(GrpcCode.Internal, 'compressed response, but no compression was offered'),
        );
      }
      const length = all.readUInt32BE(1);
      if (FRAME_PREFIX + length > all.length) {
        return finish(new CallError(GrpcCode.Internal, `truncated response message from ${endpoints}`));
      }
      connection.lastReplyAt = Date.now();
      finish(undefined, all, FRAME_PREFIX, FRAME_PREFIX + length);
    });
    stream.end(frame);
  };

  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(sweeper);
    sweeper = undefined;
    const connection = current;
    current = undefined;
    connection?.http2.destroy();
    for (let i = head; i < pending.length; i++) {
      const entry = pending[i] as Call;
      if (entry.done) continue;
      entry.done = true;
      entry.reply(new CallError(GrpcCode.Unavailable, 'the connection was closed'));
    }
    pending = [];
    head = 0;
  };

  return { call, close };
}
