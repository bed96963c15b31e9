/** The broker an example run directly talks to: ROCKETMQ_ENDPOINTS and a ROCKETMQ_TOPIC of type TRANSACTION. */
export function brokerFromEnv(): { endpoints: string; topic: string } {
  const endpoints = process.env.ROCKETMQ_ENDPOINTS;
  const topic = process.env.ROCKETMQ_TOPIC;
  if (!endpoints || !topic) {
    console.error('Set ROCKETMQ_ENDPOINTS and ROCKETMQ_TOPIC (a TRANSACTION topic), or run `npm run demo`.');
    process.exit(2);
  }
  return { endpoints, topic };
}
