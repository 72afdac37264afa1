export { SessionLifecycleInstrumentation } from './instrumentation.js';
export { LifecycleSampler, isLifecycleEvidence } from './sdk/sampler.js';
export { renderCloseTable, renderLifecycleTree } from './view/tree.js';
export { spansFromOtlpJson, toTreeSpan } from './view/otlp-json.js';
export type { RenderOptions } from './view/tree.js';
export type { ReadableSpanLike, TreeSpan, TreeSpanLink } from './view/otlp-json.js';
export { renderLifecycleHtml } from './view/html.js';
export type { HtmlViewOptions } from './view/html.js';
export type { LifecycleViewInput } from './view/model.js';
export { lifecycleDataFromFiles } from './view/inputs.js';
export type { LifecycleData, LifecycleFile } from './view/inputs.js';
export type { SnapshotCloseLike, SnapshotLike } from './snapshot-format.js';
export type { DropTotals } from './sdk/types.js';
export type { SamplerLike, SamplingDecisionValue, SamplingResultLike } from './sdk/sampler.js';
export { boundedId, errorFingerprint, hashId, scopeKeyOf } from './redact.js';
export {
  BUILT_IN_LIFECYCLE_KINDS,
  CLOSE_CLASSIFICATIONS,
  classificationForKind,
  isLifecycleKind,
  summaryKeyOf,
} from './core/classification.js';
export * from './semconv.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
export { lifecycleClose, userCancel } from './reasons.js';
export type { LifecycleSnapshot, SnapshotClose } from './snapshot-format.js';
export type {
  ActionHandle,
  ActionInfo,
  ActionOptions,
  ActionResult,
  BuiltInLifecycleKind,
  CloseClassification,
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
