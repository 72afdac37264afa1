// Set-up 2: OpenTelemetry's own NodeSDK, with the lifecycle instrumentation passed in
// `instrumentations` beside the HTTP instrumentation. Loaded before the app:
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_SERVICE_NAME=my-host \
//     node --import ./node-sdk-telemetry.js with-node-sdk.js
// NodeSDK reads the OTEL_* variables itself (exporter, resource, sampler). Wrap its sampler in a
// LifecycleSampler (`sampler: new LifecycleSampler(...)`) to keep every lifecycle trace when
// you sample.
import { register } from 'node:module';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';

// Lets the HTTP instrumentation patch modules that ES modules import (OpenTelemetry's ESM hook).
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

/** The one instance the app uses (import it from here). */
export const lifecycle = new SessionLifecycleInstrumentation();

const sdk = new NodeSDK({ instrumentations: [new HttpInstrumentation(), lifecycle] });
sdk.start();

const stop = (): void => {
  void sdk.shutdown().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
