// rocketmq-rx: the public API. Every export is named here; nothing else is public.
export {};
