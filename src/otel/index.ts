/**
 * `rocketmq-rx/otel`: the OpenTelemetry implementation of rocketmq-rx's telemetry hook. Needs
 * `@opentelemetry/api` (an optional peer dependency: the main entry never loads it).
 */
export { type OtelTelemetryOptions, otelTelemetry } from './otelTelemetry.js';
export { attr as attributeNames, metric as metricNames } from './semconv.js';
export { creationContext } from './traceContext.js';
