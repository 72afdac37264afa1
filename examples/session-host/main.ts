// Runs the example session host as a process. With the zero-code set-up:
//   node --import tsx --import otel-session-lifecycle/register examples/session-host/main.ts
// It prints {"url": ...} once listening, and closes cleanly on SIGTERM or SIGINT.
// With `--channels` (or SESSION_HOST_CHANNELS=1) the host is the channel-only variant: its store
// publishes on node:diagnostics_channel and imports nothing of the package; this entry alone loads
// the package, and the instrumentation it creates hears the channels.
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { startSessionHost } from './host.js';

// SESSION_HOST_MAX_CLOSED_RUN_SPANS sets the fan-out cap (maxClosedRunSpansPerAction), so that a
// small dispose-all shows what happens past it.
const cap = Number(process.env.SESSION_HOST_MAX_CLOSED_RUN_SPANS || Number.NaN);
const lifecycle = new SessionLifecycleInstrumentation(
  Number.isInteger(cap) && cap >= 0 ? { maxClosedRunSpansPerAction: cap } : {},
);
const channels = process.argv.includes('--channels') || process.env.SESSION_HOST_CHANNELS === '1';
const port = Number(process.env.PORT ?? 0);
const host = await startSessionHost(
  channels ? { channels, port, snapshot: () => lifecycle.snapshot() } : { lifecycle, port },
);
process.stdout.write(`${JSON.stringify({ url: host.url })}\n`);

const stop = () => {
  process.removeListener('SIGTERM', stop);
  process.removeListener('SIGINT', stop);
  // Closing the server lets the process end by itself; telemetry flushes on beforeExit.
  void host.close();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
