// A consumer that is not OpenTelemetry: one structured JSON log line per run close and per
// lifecycle action end, from the channels the instrumentation publishes what it decided on
// (`session_host:close`, `session_host:action.end`; docs/channels.md). Every value in them is
// bounded and content-free (ids, keys, classifications, counts): no directory, no message.
//
//   import { logCloses } from './close-logger.js';
//   new SessionLifecycleInstrumentation(); // no SDK needed: the decisions are made all the same
//   const stop = logCloses();              // console.log by default; any (line) => void will do
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ActionEndChannelMessage, CloseChannelMessage } from 'otel-session-lifecycle';

/** Subscribes; returns the function that unsubscribes. */
export function logCloses(log: (line: string) => void = (line) => console.log(line)): () => void {
  const onClose = (message: unknown): void => {
    const m = message as CloseChannelMessage;
    log(
      JSON.stringify({
        event: 'session_host.run.close',
        run_id: m.runId,
        session_id: m.sessionId,
        scope_key: m.scopeKey,
        classification: m.classification,
        summary_key: m.summaryKey,
        provenance: m.provenance,
        action_id: m.actionId,
        kind: m.kind,
        late: m.late,
        outcome: m.outcome,
      }),
    );
  };
  const onActionEnd = (message: unknown): void => {
    const m = message as ActionEndChannelMessage;
    log(
      JSON.stringify({
        event: 'session_host.lifecycle.action',
        action_id: m.actionId,
        kind: m.kind,
        runs_interrupted: m.runsInterrupted,
        outcome: m.outcome,
        timed_out: m.timedOut,
      }),
    );
  };
  diagnosticsChannel.subscribe('session_host:close', onClose);
  diagnosticsChannel.subscribe('session_host:action.end', onActionEnd);
  return () => {
    diagnosticsChannel.unsubscribe('session_host:close', onClose);
    diagnosticsChannel.unsubscribe('session_host:action.end', onActionEnd);
  };
}
