/**
 * Testing tools: `rocketmq-rx/testing`. A virtual-time RocketMQ 5 for marble tests of
 * pipelines built with rocketmq-rx.
 */
export {
  type DeliveredMessage,
  type DiscardedHalf,
  type PendingHalf,
  type VirtualBroker,
  type VirtualBrokerConfig,
  type VirtualBrokerFaults,
  type VirtualBrokerStats,
  virtualBroker,
} from './virtualBroker.js';
