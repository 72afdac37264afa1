// `node --import otel-session-lifecycle/register app.js`: starts tracing before the app loads.
// Lost spans are reported on a console diag logger at WARN unless OTEL_LOG_LEVEL says otherwise.
import { startTelemetry } from './setup.js';

await startTelemetry({ defaultLogLevel: 'warn' });
