// What the set-up entry point does when the process is asked to stop. Without a handler of the
// host's own, SIGTERM and SIGINT flush and then end the process as the signal would have. With one
// (a host that awaits its dispose-all on SIGTERM, then calls `telemetry.shutdown()`), exiting and
// the trace pipeline are the host's: shutting the tracer provider down at the signal would lose
// every span the host's clean-up is about to record. Only the metrics side stops at the signal,
// so that a scraper's open connection to the Prometheus endpoint cannot keep the process alive.
// `beforeExit` shuts everything down in both cases, so a host that just closes its servers and
// lets the process end is flushed too.
export function installExitHandlers(shutdown: () => Promise<void>, stopMetrics: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    // Decided now, since a host handler may remove itself while it cleans up.
    const hostHandlesIt = process.listeners(signal).some((listener) => listener !== onSignal);
    process.removeListener(signal, onSignal);
    if (hostHandlesIt) void stopMetrics();
    else void shutdown().finally(() => process.kill(process.pid, signal));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.once('beforeExit', () => void shutdown());
}
