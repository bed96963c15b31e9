/**
 * Route look-ups on a list of name servers (`host:port;host:port`): one connection at a time,
 * to the next name server when the current one fails.
 */
import { type ErrorContext, type RocketMQRxError, TopicNotFoundError } from '../core/errors.js';
import type { Logger } from '../core/Logger.js';
import { RequestCode, ResponseCode } from './codes.js';
import { RemotingConnection } from './RemotingConnection.js';
import { responseError } from './responseError.js';
import type { RemotingCredentials } from './signRequest.js';
import { parseRoute, type TopicRoute } from './topicRoute.js';

export class NameServerClient {
  private readonly addresses: string[];
  private current = 0;
  private connection: Promise<RemotingConnection> | undefined;
  private closed = false;

  constructor(
    nameServer: string,
    private readonly config: {
      readonly requestTimeoutMs: number;
      readonly credentials?: RemotingCredentials | undefined;
      readonly logger: Logger;
    },
  ) {
    this.addresses = nameServer
      .split(';')
      .map((a) => a.trim())
      .filter((a) => a !== '');
  }

  /** The topic's route; TopicNotFoundError when no name server knows it. */
  async route(topic: string): Promise<TopicRoute> {
    let lastError: RocketMQRxError | undefined;
    for (let tries = 0; tries < this.addresses.length; tries++) {
      let connection: RemotingConnection;
      try {
        connection = await this.connect();
      } catch (error) {
        lastError = error as RocketMQRxError;
        this.failOver();
        continue;
      }
      let response: Awaited<ReturnType<RemotingConnection['request']>>;
      try {
        response = await connection.request(RequestCode.GetRouteInfoByTopic, {
          topic,
          acceptStandardJsonOnly: 'true',
        });
      } catch (error) {
        lastError = error as RocketMQRxError;
        this.failOver();
        continue;
      }
      const context: ErrorContext = { topic };
      if (response.code === ResponseCode.Success) return parseRoute(response.body);
      if (response.code === ResponseCode.TopicNotExist) {
        throw new TopicNotFoundError(`No name server at ${this.addresses.join(';')} knows topic ${topic}`, {
          context,
          cause: { code: response.code, remark: response.remark },
        });
      }
      lastError = responseError(response, `Route look-up of ${topic} on ${connection.address}`, context);
      this.failOver();
    }
    throw lastError;
  }

  close(): void {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    connection?.then(
      (c) => c.close(),
      () => {},
    );
  }

  private connect(): Promise<RemotingConnection> {
    if (this.closed) return Promise.reject(new Error('closed'));
    const address = this.addresses[this.current] as string;
    this.connection ??= RemotingConnection.open(
      address,
      {
        requestTimeoutMs: this.config.requestTimeoutMs,
        maxInFlight: 64,
        credentials: this.config.credentials,
        logger: this.config.logger,
        onClose: () => {
          this.connection = undefined;
        },
      },
      this.config.requestTimeoutMs,
    ).then((c) => {
      if (this.closed) c.close();
      return c;
    });
    const connecting = this.connection;
    connecting.catch(() => {
      if (this.connection === connecting) this.connection = undefined;
    });
    return connecting;
  }

  private failOver() {
    const connection = this.connection;
    this.connection = undefined;
    connection?.then(
      (c) => c.close(),
      () => {},
    );
    this.current = (this.current + 1) % this.addresses.length;
  }
}
