// `node --import otel-session-lifecycle/register app.js`: starts tracing before the app loads, and
// hears the session_host diagnostics channels, so a host that publishes on them (docs/channels.md)
// is traced with no import of the package in its own code. Lost spans are reported on a console
// diag logger at WARN unless OTEL_LOG_LEVEL says otherwise.
import { SessionLifecycleInstrumentation } from '../instrumentation.js';
import { startTelemetry } from './setup.js';

await startTelemetry({ defaultLogLevel: 'warn' });
new SessionLifecycleInstrumentation();
