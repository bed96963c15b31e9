/**
 * The broker an example run directly talks to: ROCKETMQ_ENDPOINTS (gRPC proxy) or ROCKETMQ_NAMESRV
 * (name server, over remoting; it wins when both are set), and a ROCKETMQ_TOPIC of type TRANSACTION.
 */
export function brokerFromEnv(): { endpoints?: string; nameServer?: string; topic: string } {
  const endpoints = process.env.ROCKETMQ_ENDPOINTS;
  const nameServer = process.env.ROCKETMQ_NAMESRV;
  const topic = process.env.ROCKETMQ_TOPIC;
  if ((!endpoints && !nameServer) || !topic) {
    console.error(
      'Set ROCKETMQ_ENDPOINTS (or ROCKETMQ_NAMESRV) and ROCKETMQ_TOPIC (a TRANSACTION topic), or run `npm run demo`.',
    );
    process.exit(2);
  }
  return nameServer ? { nameServer, topic } : { endpoints: endpoints as string, topic };
}
