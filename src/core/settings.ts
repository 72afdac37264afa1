// The core's settings, already validated: config.ts makes them from what the host passed.
import type { Span } from '@opentelemetry/api';
import type { ActionInfo, RunCloseInfo } from '../types.js';
import type { KindSet } from './classification.js';

export interface Settings {
  readonly maxClosedRunSpansPerAction: number;
  readonly maxScopeKeysPerAction: number;
  readonly recentCloses: number;
  readonly interruptGraceMs: number;
  readonly maxRunAgeMs: number;
  readonly lateCloseWindowMs: number;
  readonly maxActionAgeMs: number;
  readonly recordConversationId: boolean;
  readonly kinds: KindSet;
  readonly actionHook: ((span: Span, info: ActionInfo) => void) | undefined;
  readonly runCloseHook: ((span: Span, info: RunCloseInfo) => void) | undefined;
}
