// otel-session-lifecycle: what a session host needs to record its lifecycle actions and runs. The
// offline view is the `otel-session-lifecycle/view` entry; the SDK set-up is `/setup` and `/register`.
export { SessionLifecycleInstrumentation } from './instrumentation.js';
export { LifecycleSampler, isLifecycleEvidence } from './sdk/sampler.js';
export type { SamplerLike, SamplingDecisionValue, SamplingResultLike } from './sdk/sampler.js';
export type { DropTotals, DroppedSpanKind } from './sdk/types.js';
export { hashId, scopeKeyOf } from './redact.js';
export { BUILT_IN_LIFECYCLE_KINDS, CLOSE_CLASSIFICATIONS } from './core/classification.js';
export { isLifecycleKind } from './tokens.js';
export { lifecycleClose, userCancel } from './reasons.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
export type { LifecycleSnapshot, SnapshotClose } from './snapshot-format.js';
export type {
  ActionEndChannelMessage,
  CloseChannelMessage,
  LifecycleChannelContext,
  RunChannelContext,
  ScopeCloseMessage,
} from './channel-types.js';
export {
  ATTR_ACTION_ID,
  CHANNEL_ACTION_END,
  CHANNEL_CLOSE,
  CHANNEL_LIFECYCLE,
  CHANNEL_RUN,
  CHANNEL_SCOPE_CLOSE,
  ATTR_ACTION_ORIGIN,
  ATTR_ACTION_OUTCOME,
  ATTR_ACTION_REASON,
  ATTR_ACTION_TIMED_OUT,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_LATE,
  ATTR_CLOSE_MISSING_PROVENANCE,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_LIFECYCLE_KIND,
  ATTR_LINK_RELATION,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_ID,
  ATTR_RUN_OUTCOME,
  ATTR_RUNS_INTERRUPTED,
  ATTR_RUNS_OMITTED,
  ATTR_SCOPE_KEY,
  ATTR_SCOPE_KEYS,
  ATTR_SCOPE_KEYS_OMITTED,
  ATTR_SESSION_ID,
  LINK_RELATION_CLOSED_BY,
  LINK_RELATION_CLOSED_RUN,
  METRIC_LIFECYCLE_ACTIONS,
  METRIC_LIFECYCLE_DURATION,
  METRIC_LIFECYCLE_FANOUT,
  METRIC_RUN_CLOSES,
  MISSING_PROVENANCE_CLOSE_REQUESTED,
  SPAN_NAME_ACTION_PREFIX,
  SPAN_NAME_CLOSED_RUN,
  SPAN_NAME_RUN,
  UNKNOWN_KIND,
} from './semconv.js';
export type {
  ActionHandle,
  ActionInfo,
  ActionOptions,
  ActionResult,
  BuiltInLifecycleKind,
  CloseClassification,
  DefineActionOptions,
  InstrumentStoreOptions,
  InterruptMeta,
  LifecycleKind,
  ProvenanceSource,
  RunCloseInfo,
  RunEndOptions,
  RunHandle,
  RecordedOutcome,
  RunOutcome,
  SessionLifecycleConfig,
  StoreMethodKinds,
  TrackRunOptions,
} from './types.js';
