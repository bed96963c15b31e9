/**
 * The gRPC request headers the official RocketMQ 5 clients send with every call (protocol,
 * client id, date, request id, language, version, namespace, and the HMAC-SHA1 signature when
 * credentials are set). The date has a one-second resolution, so the date string and the
 * signature over it are made once per second, not once per call.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface HeaderIdentity {
  /** The official producer's client id: the proxy keeps its settings under it. */
  readonly clientId: string;
  /** The official client's version, sent as `x-mq-client-version`. */
  readonly clientVersion: string;
  readonly namespace: string;
  readonly credentials?: {
    readonly accessKey: string;
    readonly accessSecret: string;
    readonly securityToken?: string;
  };
}

/** `yyyyMMdd'T'HHmmss'Z'` in UTC, the format the proxy verifies the signature against. */
export function requestDateTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2026-12-01T21:35:52.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

export function signature(accessSecret: string, dateTime: string): string {
  return createHmac('sha1', accessSecret).update(dateTime).digest('hex').toUpperCase();
}

/**
 * Makes the header object of one call to `path`. Node's HTTP/2 layer takes a plain object; a new
 * one per call because it keeps a reference until the stream is sent.
 */
export function requestHeaders(identity: HeaderIdentity, authority: string, scheme: 'http' | 'https') {
  const fixed: Record<string, string> = {
    ':method': 'POST',
    ':scheme': scheme,
    ':authority': authority,
    'content-type': 'application/grpc',
    te: 'trailers',
    'x-mq-protocol': 'v2',
    'x-mq-client-id': identity.clientId,
    // What the official Node client sends: the proxy has no language code of its own for Node.
    'x-mq-language': 'HTTP',
    'x-mq-client-version': identity.clientVersion,
  };
  if (identity.namespace) fixed['x-mq-namespace'] = identity.namespace;
  if (identity.credentials?.securityToken) fixed['x-mq-session-token'] = identity.credentials.securityToken;
  let second = -1;
  let dateTime = '';
  let authorization = '';
  return (path: string, timeoutMs: number): Record<string, string> => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      dateTime = requestDateTime(now);
      if (identity.credentials) {
        authorization = `MQv2-HMAC-SHA1 Credential=${identity.credentials.accessKey}, SignedHeaders=x-mq-date-time, Signature=${signature(identity.credentials.accessSecret, dateTime)}`;
      }
    }
    const headers: Record<string, string> = {
      ...fixed,
      ':path': path,
      'grpc-timeout': `${timeoutMs}m`,
      'x-mq-date-time': dateTime,
      'x-mq-request-id': randomUUID(),
    };
    if (authorization) headers.authorization = authorization;
    return headers;
  };
}
