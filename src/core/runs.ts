// Runs: `trackRun` turns host input into a tracked run in its scope, listening to its signal;
// `closeScope` interrupts every run of a scope. Control flow never depends on telemetry: runs are
// tracked (and `closeScope` aborts the signals their handles own) whether recording is on or off.
import { SpanKind, trace, INVALID_SPAN_CONTEXT, type Attributes, type Span } from '@opentelemetry/api';
import { guarded, reportFailure } from '../guard.js';
import { isAbortSignal, isSpan, readProperty, readRunOptions, type RawRunOptions } from '../host-input.js';
import { logger } from '../log.js';
import { boundedId, INVALID_SCOPE_KEY } from '../redact.js';
import { ATTR_GEN_AI_CONVERSATION_ID, SPAN_NAME_RUN } from '../semconv.js';
import type { RunHandle } from '../types.js';
import { interrupt } from './attribution.js';
import { timesItself } from './close.js';
import { liveParent, type Core } from './parts.js';
import { nextSequence, RunRecord, type Scope } from './records.js';
import { Run } from './run-handle.js';
import { listen } from './signals.js';

const NON_RECORDING_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The run's identity, as the run span starts with it. The keys are written out (they are
 * ATTR_RUN_ID, ATTR_SESSION_ID and ATTR_SCOPE_KEY; a test holds them equal) so that each shape is
 * one object literal: computed keys would build the object property by property, on every run.
 */
function startAttributes(runId: string, sessionId: string | undefined, scopeKey: string): Attributes {
  if (sessionId === undefined) return { 'session_host.run.id': runId, 'session_host.scope.key': scopeKey };
  return { 'session_host.run.id': runId, 'session_host.scope.key': scopeKey, 'session_host.session.id': sessionId };
}

/** Tracks a run; `recording` false tracks it for `closeScope` only. Never throws. */
export function trackRun(core: Core, options: unknown, recording: boolean): RunHandle {
  const raw = readRunOptions(options);
  let record: RunRecord;
  try {
    record = startRun(core, raw, recording);
  } catch (error) {
    reportFailure('trackRun', error);
    record = untracked(core, raw, isAbortSignal(raw.signal) ? raw.signal : undefined);
  }
  return new Run(record);
}

/** A run that records nothing: its handle still works, and its span is the host's or none. */
function untracked(core: Core, raw: RawRunOptions, signal: AbortSignal | undefined): RunRecord {
  const span = isSpan(raw.span) ? raw.span : NON_RECORDING_SPAN;
  return new RunRecord(core.owner, false, boundedId(raw.runId), undefined, INVALID_SCOPE_KEY, span, false, signal, 0);
}

function startRun(core: Core, raw: RawRunOptions, recording: boolean): RunRecord {
  let scope: Scope | undefined;
  if (typeof raw.scope === 'string') scope = core.registry.open(raw.scope);
  else logger.warn(`trackRun: scope must be a string (got ${typeof raw.scope}); the run has no scope`);
  const signal = raw.signal;
  const hostSignal = signal === undefined || signal === null ? undefined : isAbortSignal(signal) ? signal : undefined;
  if (signal != null && hostSignal === undefined) logger.warn('trackRun: signal is not an AbortSignal; ignored');
  if (!recording) {
    const run = untracked(core, raw, hostSignal);
    if (scope !== undefined) core.registry.addRun(scope, run);
    return run;
  }
  const runId = boundedId(raw.runId);
  const sessionId = raw.sessionId === undefined ? undefined : boundedId(raw.sessionId);
  const scopeKey = scope?.key ?? INVALID_SCOPE_KEY;
  const attributes = startAttributes(runId, sessionId, scopeKey);
  let span: Span;
  let ownsSpan = true;
  if (raw.span !== undefined && isSpan(raw.span)) {
    span = raw.span;
    ownsSpan = raw.endSpan === true;
    span.setAttributes(attributes);
  } else {
    if (raw.span !== undefined) logger.warn('trackRun: span is not a Span; a run span is started instead');
    if (sessionId !== undefined && core.settings.recordConversationId)
      attributes[ATTR_GEN_AI_CONVERSATION_ID] = sessionId;
    span = core.tracer().startSpan(SPAN_NAME_RUN, { kind: SpanKind.INTERNAL, attributes }, liveParent(core));
  }
  const run = new RunRecord(core.owner, true, runId, sessionId, scopeKey, span, ownsSpan, hostSignal, nextSequence());
  // The watchdog needs the start; the snapshot's run duration comes from the span's own times
  // when the SDK records them, else from this.
  if (core.settings.maxRunAgeMs > 0 || (core.snapshot.keepsCloses && !timesItself(span)))
    run.startedAt = performance.now();
  let alreadyAborted = false;
  if (hostSignal !== undefined) {
    alreadyAborted = readProperty(hostSignal, 'aborted') === true;
    if (!alreadyAborted) run.listening = listen(run, hostSignal);
  } else if (signal !== null) {
    core.warnOnce(
      'no-signal',
      'trackRun without a signal: such runs are attributed only through run.interrupted(), closeScope() and ' +
        'their end; pass signal: null to say so',
    );
  }
  // Nothing below throws: the run is in the registry only once it is fully set up.
  if (scope !== undefined) core.registry.addRun(scope, run);
  core.watchdog.started(run);
  if (alreadyAborted) interrupt(core, run, undefined);
  return run;
}

/**
 * Interrupts every tracked run of `rawScope` in the calling context and aborts the signals their
 * handles own (now, or when first read). Returns how many runs it interrupted.
 */
export function closeScope(core: Core, rawScope: unknown): number {
  if (typeof rawScope !== 'string') {
    logger.warn(`closeScope: scope must be a string (got ${typeof rawScope}); nothing closed`);
    return 0;
  }
  const scope = core.registry.get(rawScope);
  if (scope === undefined) return 0;
  const runs = scope.runs();
  for (const run of runs) {
    interrupt(core, run, undefined);
    guarded('an abort listener while closing a scope', () => run.abortOwnSignal(), undefined);
  }
  return runs.length;
}
