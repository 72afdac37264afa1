// otel-session-lifecycle/effect: lifecycle actions, runs and scope closes for hosts written with
// Effect 4 (`effect` 4.x is an optional peer dependency; only this entry needs it).
export { withActionHandle, withLifecycleAction } from './action.js';
export { currentLifecycleActionId, inLifecycleAction } from './carrier.js';
export { defineEffectAction } from './define.js';
export { trackedRun, trackFiber, type RunBody } from './fiber-run.js';
export { closeInstanceScope, recordScopeClose } from './scope.js';
export { instrumentEffectService } from './service.js';
export type {
  ActionHandle,
  ActionOptions,
  ActionResult,
  CallTokens,
  DefineActionOptions,
  EffectFunction,
  EffectLifecycle,
  EffectMethodKinds,
  EffectServiceOptions,
  RunHandle,
  TrackRunOptions,
} from './types.js';
