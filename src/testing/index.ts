// rocketmq-rx/testing: tools for testing pipelines built with rocketmq-rx.
export {};
