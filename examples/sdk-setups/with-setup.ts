// Set-up 1: the package's own entry point. `startTelemetry()` starts OpenTelemetry from the
// standard OTEL_* variables on SDK 2 or SDK 3 (whichever line is installed: docs/install.md),
// before the host makes any span; it flushes on SIGTERM, SIGINT and exit.
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_SERVICE_NAME=my-host node with-setup.js
// The same without this startTelemetry() call: node --import otel-session-lifecycle/register host-main.js
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { startTelemetry } from 'otel-session-lifecycle/setup';
import { startHost } from './host.js';

const telemetry = await startTelemetry();
const lifecycle = new SessionLifecycleInstrumentation();
const server = await startHost(lifecycle, Number(process.env.PORT ?? 0));
const address = server.address();
process.stdout.write(
  `${JSON.stringify({
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    sdkLine: telemetry.sdkLine,
  })}\n`,
);
