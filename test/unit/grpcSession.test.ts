/**
 * The hot path's own gRPC calls against a local HTTP/2 server playing the proxy: what grpc-js
 * would do for these calls — headers, statuses, deadlines, lost connections, size limits — and a
 * new connection after the old one is gone. Deadlines run on fake timers.
 */
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallError, grpcSession } from '../../src/grpc/grpcSession.js';
import { mapClientError } from '../../src/grpc/mapClientError.js';
import { requestHeaders } from '../../src/grpc/requestHeaders.js';
import {
  BrokerTimeoutError,
  BrokerUnavailableError,
  TopicNotFoundError,
  UnauthorizedError,
} from '../../src/index.js';

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void;

const servers: http2.Http2Server[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function server(handler: Handler) {
  const srv = http2.createServer();
  const sessions: http2.ServerHttp2Session[] = [];
  srv.on('session', (s) => sessions.push(s));
  srv.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => handler(stream, headers, Buffer.concat(chunks)));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  const closeAll = () => {
    for (const s of sessions.splice(0)) s.destroy();
  };
  return { endpoints: `127.0.0.1:${(srv.address() as AddressInfo).port}`, sessions, closeAll };
}

const frame = (payload: Buffer) => {
  const f = Buffer.alloc(5 + payload.length);
  f.writeUInt32BE(payload.length, 1);
  payload.copy(f, 5);
  return f;
};

function answer(stream: http2.ServerHttp2Stream, payload: Buffer, status = 0, message?: string) {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () =>
    stream.sendTrailers({ 'grpc-status': String(status), ...(message ? { 'grpc-message': message } : {}) }),
  );
  stream.end(frame(payload));
}

function session(
  endpoints: string,
  timeoutMs = 1_000,
  credentials?: { accessKey: string; accessSecret: string },
) {
  return grpcSession({
    endpoints,
    tls: false,
    timeoutMs,
    maxSendBytes: 1024,
    maxReceiveBytes: 64,
    headers: requestHeaders(
      {
        clientId: 'host@1@0@x',
        clientVersion: '1.0.8',
        namespace: 'ns',
        ...(credentials ? { credentials } : {}),
      },
      endpoints,
      'http',
    ),
  });
}

function call(s: ReturnType<typeof session>, payload = Buffer.from('ping')) {
  return new Promise<{ error?: CallError; body?: string }>((resolve) =>
    s.call('/apache.rocketmq.v2.MessagingService/SendMessage', frame(payload), (error, buffer, start, end) =>
      resolve(error ? { error } : { body: (buffer as Buffer).toString('utf8', start, end) }),
    ),
  );
}

describe('grpcSession', () => {
  it("sends the official client's headers and the framed request, and returns the response message", async () => {
    let seen: http2.IncomingHttpHeaders = {};
    let request = '';
    const srv = await server((stream, headers, body) => {
      seen = headers;
      request = body.subarray(5).toString();
      answer(stream, Buffer.from('pong'));
    });
    const s = session(srv.endpoints, 1_000, { accessKey: 'AK', accessSecret: 'SK' });
    expect(await call(s)).toEqual({ body: 'pong' });
    s.close();
    expect(request).toBe('ping');
    expect(seen[':path']).toBe('/apache.rocketmq.v2.MessagingService/SendMessage');
    expect(seen['content-type']).toBe('application/grpc');
    expect(seen.te).toBe('trailers');
    expect(seen['grpc-timeout']).toBe('1000m');
    expect(seen['x-mq-protocol']).toBe('v2');
    expect(seen['x-mq-client-id']).toBe('host@1@0@x');
    expect(seen['x-mq-language']).toBe('HTTP');
    expect(seen['x-mq-client-version']).toBe('1.0.8');
    expect(seen['x-mq-namespace']).toBe('ns');
    expect(seen['x-mq-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen['x-mq-date-time']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(seen.authorization).toMatch(
      /^MQv2-HMAC-SHA1 Credential=AK, SignedHeaders=x-mq-date-time, Signature=[0-9A-F]{40}$/,
    );
  });

  it('turns a gRPC status into a CallError with the decoded message, typed by the common mapping', async () => {
    const srv = await server((stream) => answer(stream, Buffer.alloc(0), 16, 'bad%20signature'));
    const s = session(srv.endpoints);
    const { error } = await call(s);
    s.close();
    expect(error).toBeInstanceOf(CallError);
    expect(error?.code).toBe(16);
    expect(error?.message).toBe('bad signature');
    expect(mapClientError(error)).toBeInstanceOf(UnauthorizedError);
    expect(mapClientError(new CallError(40402, 'no topic'))).toBeInstanceOf(TopicNotFoundError);
  });

  it('reads a trailers-only response and an HTTP error as statuses', async () => {
    let n = 0;
    const srv = await server((stream) => {
      if (n++ === 0)
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5' },
          { endStream: true },
        );
      else stream.respond({ ':status': 503 }, { endStream: true });
    });
    const s = session(srv.endpoints);
    expect((await call(s)).error?.code).toBe(5);
    expect((await call(s)).error?.code).toBe(14);
    s.close();
  });

  it('fails a call with DEADLINE_EXCEEDED at its deadline and cancels its stream', async () => {
    let cancelled = false;
    const srv = await server((stream) => {
      stream.on('close', () => (cancelled = stream.rstCode === http2.constants.NGHTTP2_CANCEL));
    });
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const s = session(srv.endpoints, 1_000);
    const pending = call(s);
    await vi.waitFor(() => expect(srv.sessions).toHaveLength(1), { interval: 5 });
    await vi.advanceTimersByTimeAsync(900);
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    const { error } = await pending;
    expect(error?.code).toBe(4);
    expect(mapClientError(error)).toBeInstanceOf(BrokerTimeoutError);
    vi.useRealTimers();
    await vi.waitFor(() => expect(cancelled).toBe(true), { interval: 5 });
    s.close();
  });

  it('fails calls under way with UNAVAILABLE when the connection is lost, then connects anew', async () => {
    let hold = true;
    const srv = await server((stream) => {
      if (!hold) answer(stream, Buffer.from('again'));
    });
    const s = session(srv.endpoints);
    const lost = [call(s), call(s)];
    await vi.waitFor(() => expect(srv.sessions).toHaveLength(1), { interval: 5 });
    await new Promise((r) => setTimeout(r, 20));
    srv.closeAll();
    for (const { error } of await Promise.all(lost)) {
      expect(error?.code).toBe(14);
      expect(mapClientError(error)).toBeInstanceOf(BrokerUnavailableError);
    }
    hold = false;
    expect(await call(s)).toEqual({ body: 'again' });
    expect(srv.sessions).toHaveLength(1); // the second connection
    s.close();
  });

  it('fails with UNAVAILABLE when nothing listens', async () => {
    const srv = await server(() => {});
    const endpoints = srv.endpoints;
    await new Promise((r) => (servers.pop() as http2.Http2Server).close(r));
    const s = session(endpoints);
    expect((await call(s)).error?.code).toBe(14);
    s.close();
  });

  it('refuses a request over the send limit without sending it, and a response over the receive limit', async () => {
    let requests = 0;
    const srv = await server((stream) => {
      requests++;
      answer(stream, Buffer.alloc(100));
    });
    const s = session(srv.endpoints);
    const tooBig = await call(s, Buffer.alloc(2_000));
    expect(tooBig.error?.code).toBe(41300);
    expect(requests).toBe(0);
    const tooLarge = await call(s);
    expect(tooLarge.error?.code).toBe(8);
    s.close();
  });

  it('fails calls under way when closed, and every later call', async () => {
    const srv = await server(() => {});
    const s = session(srv.endpoints);
    const under = call(s);
    await vi.waitFor(() => expect(srv.sessions).toHaveLength(1), { interval: 5 });
    s.close();
    expect((await under).error?.code).toBe(14);
    expect((await call(s)).error?.code).toBe(14);
  });
});
