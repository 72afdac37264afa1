// `node --import otel-session-lifecycle/register app.js`: starts tracing before the app loads.
import { startTelemetry } from './setup.js';

await startTelemetry();
