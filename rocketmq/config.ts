/**
 * The servers' configuration files, written into the run's data directory. Broker settings make
 * transaction checks fast.
 */
import { writeFile } from 'node:fs/promises';
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

export async function writeServerConfig(
  dataDir: string,
  ports: ServerPorts,
  transaction: TransactionTiming,
): Promise<void> {
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
    }),
  );
}
