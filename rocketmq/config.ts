/**
 * The servers' configuration files, written into the run's data directory. Broker settings make
 * transaction checks fast.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CLUSTER = 'RxCluster';

export interface TransactionTiming {
  readonly timeoutMs: number;
  readonly checkIntervalMs: number;
  readonly checkMax: number;
}

export interface ServerPorts {
  readonly namesrv: number;
  /** The broker's remoting `listenPort`; it also takes port−2 and port+1. */
  readonly broker: number;
  readonly grpc: number;
  /** The proxy's own remoting port. */
  readonly proxyRemoting: number;
}

/** The user the servers create at first start, with every permission; the admin CLI signs as it. */
export interface AdminCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface ServerConfig {
  readonly ports: ServerPorts;
  readonly transaction: TransactionTiming;
  /** Authentication and authorization on (5.x auth), with this super user. */
  readonly admin?: AdminCredentials | undefined;
  /** The proxy's gRPC server certificate and key (PEM, PKCS#8 key); TLS is then enforced. */
  readonly tls?: { readonly certPath: string; readonly keyPath: string } | undefined;
}

// 5.x auth, as the broker (remoting) and the proxy (gRPC) read it. In local mode the proxy asks
// its embedded broker for users and ACLs, so only the broker keeps them (in its store directory).
function authSettings(admin: AdminCredentials, side: 'broker' | 'proxy'): Record<string, string | boolean> {
  const metadata =
    side === 'broker'
      ? {
          authenticationMetadataProvider:
            'org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider',
          authorizationMetadataProvider:
            'org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider',
        }
      : {
          authenticationMetadataProvider:
            'org.apache.rocketmq.proxy.auth.ProxyAuthenticationMetadataProvider',
          authorizationMetadataProvider: 'org.apache.rocketmq.proxy.auth.ProxyAuthorizationMetadataProvider',
        };
  return {
    authenticationEnabled: true,
    authenticationProvider: 'org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider',
    authorizationEnabled: true,
    authorizationProvider: 'org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider',
    ...metadata,
    initAuthenticationUser: JSON.stringify({ username: admin.accessKey, password: admin.secretKey }),
    innerClientAuthenticationCredentials: JSON.stringify({
      accessKey: admin.accessKey,
      secretKey: admin.secretKey,
    }),
  };
}

export async function writeServerConfig(dataDir: string, config: ServerConfig): Promise<void> {
  const { ports, transaction, admin, tls } = config;
  const namesrv = `127.0.0.1:${ports.namesrv}`;
  await writeFile(
    join(dataDir, 'namesrv.properties'),
    [`listenPort=${ports.namesrv}`, 'bindAddress=127.0.0.1', ''].join('\n'),
  );
  // Values must be clean: a trailing comment or space makes the broker ignore the line silently.
  await writeFile(
    join(dataDir, 'broker.conf'),
    [
      `brokerClusterName=${CLUSTER}`,
      'brokerName=rx-broker',
      'brokerId=0',
      `namesrvAddr=${namesrv}`,
      `listenPort=${ports.broker}`,
      'bindAddress=127.0.0.1',
      // Routes hand clients brokerIP1:grpcPort; the default is the first non-loopback address.
      'brokerIP1=127.0.0.1',
      `storePathRootDir=${join(dataDir, 'store')}`,
      `storePathCommitLog=${join(dataDir, 'store', 'commitlog')}`,
      'mappedFileSizeCommitLog=67108864',
      'autoCreateTopicEnable=false',
      `transactionTimeOut=${transaction.timeoutMs}`,
      `transactionCheckInterval=${transaction.checkIntervalMs}`,
      `transactionCheckMax=${transaction.checkMax}`,
      // Well below transactionTimeOut, or committed messages get spurious checks.
      'transactionOpBatchInterval=200',
      ...Object.entries(admin ? authSettings(admin, 'broker') : {}).map(([k, v]) => `${k}=${v}`),
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dataDir, 'proxy.json'),
    JSON.stringify({
      rocketMQClusterName: CLUSTER,
      namesrvAddr: namesrv,
      proxyMode: 'local',
      grpcServerPort: ports.grpc,
      remotingListenPort: ports.proxyRemoting,
      grpcShutdownTimeSeconds: 1,
      transactionDataMaxWaitClearMillis: 1000,
      topicRouteServiceCacheRefreshSeconds: 2,
      ...(admin ? authSettings(admin, 'proxy') : {}),
      // Without these the proxy serves TLS with a self-signed certificate of its own.
      ...(tls ? { tlsTestModeEnable: false, tlsCertPath: tls.certPath, tlsKeyPath: tls.keyPath } : {}),
    }),
  );
  if (admin) {
    // The admin CLI signs its requests with the credentials in $ROCKETMQ_HOME/conf/tools.yml.
    await mkdir(join(dataDir, 'home', 'conf'), { recursive: true });
    await writeFile(
      join(dataDir, 'home', 'conf', 'tools.yml'),
      `accessKey: ${admin.accessKey}\nsecretKey: ${admin.secretKey}\n`,
    );
  }
}
