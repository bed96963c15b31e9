/** How to reach a RocketMQ 5 gRPC proxy: shared by the producer transport and the consumer. */
export interface ConnectionOptions {
  /** The gRPC proxy, `host:port` (one address: the client cannot use a list). */
  readonly endpoints: string;
  /** RocketMQ namespace. Default `''`. */
  readonly namespace?: string;
  /** Access key and secret (and a session token) when the proxy requires authentication. */
  readonly credentials?: {
    readonly accessKey: string;
    readonly accessSecret: string;
    readonly securityToken?: string;
  };
  /** Use TLS. Default false. */
  readonly sslEnabled?: boolean;
}
