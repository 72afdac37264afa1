// What the package decided, published on `node:diagnostics_channel` for tools that are not
// OpenTelemetry (a logger, an APM agent): each run's close and each action's end, as bounded,
// content-free values. A channel nobody subscribes to costs one property read.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ActionEndChannelMessage, CloseChannelMessage } from '../channel-types.js';
import { guarded } from '../guard.js';
import { CHANNEL_ACTION_END, CHANNEL_CLOSE } from '../semconv.js';
import type { ActionInfo } from '../types.js';
import type { Close } from './close.js';

const closes = diagnosticsChannel.channel(CHANNEL_CLOSE);
const actionEnds = diagnosticsChannel.channel(CHANNEL_ACTION_END);

/** Someone listens for closes: a close that is built only for them is worth building. */
export function closesHeard(): boolean {
  return closes.hasSubscribers;
}

export function publishClose(close: Close): void {
  if (!closes.hasSubscribers) return;
  const message: CloseChannelMessage = Object.freeze({
    runId: close.runId,
    sessionId: close.sessionId,
    scopeKey: close.scopeKey,
    classification: close.classification,
    summaryKey: close.summaryKey,
    provenance: close.provenance,
    actionId: close.actionId,
    kind: close.kind,
    late: close.late,
    outcome: close.outcome,
  });
  guarded(`publishing on ${CHANNEL_CLOSE}`, () => closes.publish(message), undefined);
}

export function publishActionEnd(info: ActionInfo): void {
  if (!actionEnds.hasSubscribers) return;
  const message: ActionEndChannelMessage = Object.freeze({
    actionId: info.actionId,
    kind: info.kind,
    runsInterrupted: info.runsInterrupted,
    outcome: info.outcome,
    timedOut: info.timedOut,
  });
  guarded(`publishing on ${CHANNEL_ACTION_END}`, () => actionEnds.publish(message), undefined);
}
