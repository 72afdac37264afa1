// The run handle a body gets when there is no instrumentation to track it (the value given as one
// is not one, or its trackRun threw): it records nothing, and reads like a run that was never closed.
import { INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import { isAbortSignal, readOption } from '../host-input.js';
import { boundedId } from '../redact.js';
import type { RunHandle, TrackRunOptions } from './types.js';

export function inertRun(options: TrackRunOptions): RunHandle {
  const hostSignal = readOption(options, 'signal');
  return {
    runId: boundedId(readOption(options, 'runId')),
    signal: isAbortSignal(hostSignal) ? hostSignal : new AbortController().signal,
    span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
    classification: undefined,
    interrupted: () => {},
    recordError: () => {},
    end: () => {},
  };
}
