export { SessionLifecycleInstrumentation } from './instrumentation.js';
export { LifecycleSampler, isLifecycleEvidence } from './sampler.js';
export { renderCloseTable, renderLifecycleTree, spansFromOtlpJson, toTreeSpan } from './render.js';
export type { ReadableSpanLike, RenderOptions, TreeSpan } from './render.js';
export type { SamplerLike, SamplingDecisionValue, SamplingResultLike } from './sampler.js';
export { boundedId, errorFingerprint, hashId, isLifecycleKind, scopeKeyOf } from './bounds.js';
export {
  BUILT_IN_LIFECYCLE_KINDS,
  CLOSE_CLASSIFICATIONS,
  classificationForKind,
  summaryKeyOf,
} from './classification.js';
export * from './semconv.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
export type {
  ActionInfo,
  ActionOptions,
  BuiltInLifecycleKind,
  DropTotals,
  CloseClassification,
  InstrumentStoreOptions,
  InterruptMeta,
  LifecycleKind,
  LifecycleSnapshot,
  ProvenanceSource,
  RunCloseInfo,
  RunEndOptions,
  RunHandle,
  RecordedOutcome,
  RunOutcome,
  SessionLifecycleConfig,
  SnapshotClose,
  StoreMethodKinds,
  TrackRunOptions,
} from './types.js';
