/**
 * One TCP connection to a name server or broker: requests matched to responses by opaque,
 * bounded in flight, each with a deadline; requests the broker starts (check-backs) handed to
 * `onRequest`. Responses are dispatched on their flag before their opaque: the broker numbers
 * its own requests from its own counter, so the same opaque travels both ways.
 */
import { connect, type Socket } from 'node:net';
import { BrokerTimeoutError, BrokerUnavailableError, type RocketMQRxError } from '../core/errors.js';
import type { Logger } from '../core/Logger.js';
import { FrameDecoder } from './decodeFrames.js';
import { encodeCommand, isResponse, type RemotingCommand, RpcFlag } from './RemotingCommand.js';
import { type RemotingCredentials, signRequest } from './signRequest.js';

export interface ConnectionConfig {
  readonly requestTimeoutMs: number;
  /** Requests awaiting a response at most; more wait for a slot (within their deadline). */
  readonly maxInFlight: number;
  readonly credentials?: RemotingCredentials | undefined;
  readonly logger: Logger;
  /** A request from the peer (never a response). */
  readonly onRequest?: (command: RemotingCommand, connection: RemotingConnection) => void;
  /** Called once, when the connection is gone for whatever reason. */
  readonly onClose?: (connection: RemotingConnection, error: RocketMQRxError) => void;
}

interface Pending {
  readonly resolve: (response: RemotingCommand) => void;
  readonly reject: (error: RocketMQRxError) => void;
  readonly timer: NodeJS.Timeout;
}

interface Waiting {
  readonly send: () => void;
  readonly reject: (error: RocketMQRxError) => void;
}

export class RemotingConnection {
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  private readonly waiting: Waiting[] = [];
  private nextOpaque = 1;
  private closedWith: RocketMQRxError | undefined;

  private constructor(
    readonly address: string,
    private readonly socket: Socket,
    private readonly config: ConnectionConfig,
  ) {
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (error) => this.shut(unavailable(address, error)));
    socket.on('close', () => this.shut(unavailable(address)));
  }

  /** Connects within `timeoutMs`; fails with BrokerUnavailableError or BrokerTimeoutError. */
  static open(address: string, config: ConnectionConfig, timeoutMs: number): Promise<RemotingConnection> {
    const { host, port } = parseAddress(address);
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new BrokerTimeoutError(`No connection to ${address} within ${timeoutMs} ms`));
      }, timeoutMs);
      const failed = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(unavailable(address, error));
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', failed);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        resolve(new RemotingConnection(address, socket, config));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends a request and resolves to its response (any code: the caller maps it). Fails with
   * BrokerTimeoutError past the deadline, BrokerUnavailableError when the connection goes;
   * `wasWritten(error)` tells whether the request had left this process (so may have been done).
   */
  request(
    code: number,
    extFields: Readonly<Record<string, string>>,
    body?: Buffer,
    timeoutMs = this.config.requestTimeoutMs,
  ): Promise<RemotingCommand> {
    return new Promise((resolve, reject) => {
      if (this.closedWith) {
        reject(this.closedWith);
        return;
      }
      const deadline = Date.now() + timeoutMs;
      const send = () => {
        const opaque = this.opaque();
        const left = Math.max(1, deadline - Date.now());
        const timer = setTimeout(() => {
          this.pending.delete(opaque);
          reject(
            afterWrite(
              new BrokerTimeoutError(
                `No answer from ${this.address} to request ${code} within ${timeoutMs} ms`,
              ),
            ),
          );
          this.next();
        }, left);
        this.pending.set(opaque, { resolve, reject, timer });
        this.write({
          code,
          opaque,
          flag: 0,
          extFields: this.sign(extFields, body),
          ...(body ? { body } : {}),
        });
      };
      if (this.pending.size < this.config.maxInFlight) {
        send();
        return;
      }
      const waiting: Waiting = {
        send: () => {
          clearTimeout(timer);
          send();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(waiting);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(
          new BrokerTimeoutError(
            `${this.config.maxInFlight} requests in flight to ${this.address}: no slot within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.waiting.push(waiting);
    });
  }

  /** Sends a request that gets no response. Returns false when the connection is gone. */
  oneway(code: number, extFields: Readonly<Record<string, string>>, body?: Buffer): boolean {
    if (this.closedWith) return false;
    this.write({
      code,
      opaque: this.opaque(),
      flag: RpcFlag.Oneway,
      extFields: this.sign(extFields, body),
      ...(body ? { body } : {}),
    });
    return true;
  }

  /** Answers a request of the peer's. */
  respond(request: RemotingCommand, code: number, remark?: string): void {
    if (this.closedWith) return;
    this.write({
      code,
      opaque: request.opaque,
      flag: RpcFlag.Response,
      ...(remark === undefined ? {} : { remark }),
      extFields: {},
    });
  }

  /** Closes the socket; pending requests fail with BrokerUnavailableError. */
  close(): void {
    this.shut(new BrokerUnavailableError(`The connection to ${this.address} was closed`));
  }

  private opaque(): number {
    const opaque = this.nextOpaque;
    this.nextOpaque = opaque >= 0x7fffffff ? 1 : opaque + 1;
    return opaque;
  }

  private sign(extFields: Readonly<Record<string, string>>, body: Buffer | undefined) {
    return this.config.credentials ? signRequest(extFields, body, this.config.credentials) : extFields;
  }

  private write(command: RemotingCommand) {
    this.socket.write(encodeCommand(command));
  }

  private next() {
    while (this.waiting.length > 0 && this.pending.size < this.config.maxInFlight && !this.closedWith) {
      this.waiting.shift()?.send();
    }
  }

  private received(chunk: Buffer) {
    let commands: RemotingCommand[];
    try {
      commands = this.decoder.push(chunk);
    } catch (error) {
      this.config.logger.warn('remoting: bad frame, closing the connection', {
        address: this.address,
        error: String(error),
      });
      this.shut(error as RocketMQRxError);
      return;
    }
    for (const command of commands) {
      if (isResponse(command)) {
        const pending = this.pending.get(command.opaque);
        if (!pending) continue; // answered after its deadline
        this.pending.delete(command.opaque);
        clearTimeout(pending.timer);
        pending.resolve(command);
      } else {
        this.config.onRequest?.(command, this);
      }
    }
    this.next();
  }

  private shut(error: RocketMQRxError) {
    if (this.closedWith) return;
    this.closedWith = error;
    this.socket.destroy();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(
        afterWrite(new BrokerUnavailableError(`${error.message} before it answered`, { cause: error })),
      );
    }
    this.pending.clear();
    for (const waiting of this.waiting.splice(0)) waiting.reject(error);
    this.config.onClose?.(this, error);
  }
}

const written = new WeakSet<Error>();

/** Whether a failed request had been written: the peer may have acted on it. */
export function wasWritten(error: unknown): boolean {
  return error instanceof Error && written.has(error);
}

function afterWrite<E extends Error>(error: E): E {
  written.add(error);
  return error;
}

export function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new BrokerUnavailableError(`Not a host:port address: ${JSON.stringify(address)}`);
  }
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

function unavailable(address: string, cause?: unknown): BrokerUnavailableError {
  return new BrokerUnavailableError(
    `The connection to ${address} ${cause instanceof Error ? `failed: ${cause.message}` : 'closed'}`,
    cause === undefined ? {} : { cause },
  );
}
