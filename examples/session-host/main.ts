// Runs the example session host as a process. With the zero-code set-up:
//   node --import tsx --import otel-session-lifecycle/register examples/session-host/main.ts
// It prints {"url": ...} once listening, and closes cleanly on SIGTERM or SIGINT.
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { startSessionHost } from './host.js';

// SESSION_HOST_MAX_CLOSED_RUN_SPANS sets the fan-out cap (maxClosedRunSpansPerAction), so that a
// small dispose-all shows what happens past it.
const cap = Number(process.env.SESSION_HOST_MAX_CLOSED_RUN_SPANS || Number.NaN);
const lifecycle = new SessionLifecycleInstrumentation(
  Number.isInteger(cap) && cap >= 0 ? { maxClosedRunSpansPerAction: cap } : {},
);
const host = await startSessionHost({ lifecycle, port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ url: host.url })}\n`);

const stop = () => {
  process.removeListener('SIGTERM', stop);
  process.removeListener('SIGINT', stop);
  // Closing the server lets the process end by itself; telemetry flushes on beforeExit.
  void host.close();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
