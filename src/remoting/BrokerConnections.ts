/**
 * One connection per broker, reopened when it breaks, each registered (a heartbeat naming the
 * producer group) before it carries anything: the broker sends a group's check-backs only over
 * connections registered for it, and forgets a registration the moment its connection closes.
 */
import type { RocketMQRxError } from '../core/errors.js';
import type { Logger } from '../core/Logger.js';
import { RequestCode, ResponseCode } from './codes.js';
import type { RemotingCommand } from './RemotingCommand.js';
import { type ConnectionConfig, RemotingConnection } from './RemotingConnection.js';
import { responseError } from './responseError.js';
import type { RemotingCredentials } from './signRequest.js';

export interface BrokerConnectionsConfig {
  readonly clientId: string;
  readonly producerGroup: string;
  readonly requestTimeoutMs: number;
  readonly maxInFlight: number;
  readonly credentials?: RemotingCredentials | undefined;
  readonly logger: Logger;
  readonly onRequest: (command: RemotingCommand, connection: RemotingConnection) => void;
}

export class BrokerConnections {
  private readonly open = new Map<string, Promise<RemotingConnection>>();
  private readonly retryDelay = new Map<string, number>();
  private readonly reconnects = new Set<NodeJS.Timeout>();
  /** Brokers to stay connected to, reconnecting when a connection breaks: the masters in use. */
  readonly wanted = new Set<string>();
  private closed = false;

  constructor(private readonly config: BrokerConnectionsConfig) {}

  /** The registered connection to `address`, opened (and registered) when there is none. */
  get(address: string): Promise<RemotingConnection> {
    const existing = this.open.get(address);
    if (existing) return existing;
    const opening = this.connect(address);
    this.open.set(address, opening);
    opening.catch(() => {
      if (this.open.get(address) === opening) this.open.delete(address);
    });
    return opening;
  }

  /** Registers again on every wanted broker (the broker expires a registration after 120 s). */
  async heartbeatAll(): Promise<void> {
    await Promise.all(
      [...this.wanted].map(async (address) => {
        const existing = this.open.get(address);
        const connection = await this.get(address);
        // A connection opened just now was registered as it opened.
        if (existing) await this.heartbeat(connection);
      }),
    );
  }

  /** Connections open now (for unregistering at close). */
  async current(): Promise<RemotingConnection[]> {
    const settled = await Promise.allSettled(this.open.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' && s.value.isOpen ? [s.value] : []));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.reconnects) clearTimeout(timer);
    this.reconnects.clear();
    for (const opening of this.open.values()) {
      opening.then(
        (c) => c.close(),
        () => {},
      );
    }
    this.open.clear();
  }

  private async connect(address: string): Promise<RemotingConnection> {
    if (this.closed) throw new Error('closed');
    const config: ConnectionConfig = {
      requestTimeoutMs: this.config.requestTimeoutMs,
      maxInFlight: this.config.maxInFlight,
      credentials: this.config.credentials,
      logger: this.config.logger,
      onRequest: this.config.onRequest,
      onClose: (connection, error) => this.lost(connection, error),
    };
    const connection = await RemotingConnection.open(address, config, this.config.requestTimeoutMs);
    try {
      await this.heartbeat(connection);
    } catch (error) {
      connection.close();
      throw error;
    }
    if (this.closed) connection.close();
    this.retryDelay.delete(address);
    return connection;
  }

  private async heartbeat(connection: RemotingConnection): Promise<void> {
    const body = Buffer.from(
      JSON.stringify({
        clientID: this.config.clientId,
        producerDataSet: [{ groupName: this.config.producerGroup }],
        consumerDataSet: [],
        heartbeatFingerprint: 0,
      }),
    );
    const response = await connection.request(RequestCode.HeartBeat, {}, body);
    if (response.code !== ResponseCode.Success) {
      throw responseError(response, `Heartbeat to ${connection.address}`, {});
    }
  }

  private lost(connection: RemotingConnection, error: RocketMQRxError) {
    const address = connection.address;
    const opening = this.open.get(address);
    if (opening) {
      opening.then(
        (c) => {
          if (c === connection && this.open.get(address) === opening) this.open.delete(address);
        },
        () => {},
      );
    }
    if (this.closed || !this.wanted.has(address)) return;
    // Reconnect at once, then back off: check-backs reach only a registered connection.
    const delay = this.retryDelay.get(address) ?? 0;
    this.retryDelay.set(address, Math.min(5_000, Math.max(200, delay * 2)));
    this.config.logger.warn('remoting: connection lost, reconnecting', {
      address,
      error: error.message,
      inMs: delay,
    });
    const timer = setTimeout(
      () => {
        this.reconnects.delete(timer);
        if (this.closed) return;
        this.get(address).catch((e: unknown) => {
          this.config.logger.warn('remoting: reconnect failed', { address, error: String(e) });
          // A failed open fires no close event: try again from here.
          this.lost({ address } as RemotingConnection, e as RocketMQRxError);
        });
      },
      delay * (0.5 + Math.random() / 2),
    );
    this.reconnects.add(timer);
  }
}
