// The close vocabulary: which classification a run gets, its summary key, and its span status.
import { SpanStatusCode } from '@opentelemetry/api';
import type { BuiltInLifecycleKind, CloseClassification, RunOutcome } from '../types.js';

const BUILT_IN_KINDS = new Map<string, CloseClassification>([
  ['instance_reload', 'local_instance_reload'],
  ['instance_dispose', 'local_instance_dispose'],
  ['instance_dispose_directory', 'local_instance_dispose'],
  ['instance_dispose_all', 'local_instance_dispose'],
] satisfies [BuiltInLifecycleKind, CloseClassification][]);

export const BUILT_IN_LIFECYCLE_KINDS: readonly BuiltInLifecycleKind[] = [
  'instance_reload',
  'instance_dispose',
  'instance_dispose_directory',
  'instance_dispose_all',
];

export const CLOSE_CLASSIFICATIONS: readonly CloseClassification[] = [
  'success',
  'error',
  'user_cancel',
  'local_instance_reload',
  'local_instance_dispose',
  'known_lifecycle_close',
  'unknown_scope_close',
  'abandoned',
];

/** The classification of a run closed by an action of this (already validated) kind. */
export function classificationForKind(kind: string): CloseClassification {
  return BUILT_IN_KINDS.get(kind) ?? 'known_lifecycle_close';
}

const OUTCOME_CLASSIFICATION: Record<RunOutcome, CloseClassification> = {
  completed: 'success',
  error: 'error',
  user_cancel: 'user_cancel',
};

export function classificationForOutcome(outcome: RunOutcome): CloseClassification {
  return OUTCOME_CLASSIFICATION[outcome];
}

export function isRunOutcome(value: unknown): value is RunOutcome {
  return value === 'completed' || value === 'error' || value === 'user_cancel';
}

const SUMMARY_KEYS: Record<CloseClassification, string> = {
  success: 'success.completed',
  error: 'error.run_failed',
  user_cancel: 'user_cancel.user_requested',
  local_instance_reload: 'local_instance_reload.lifecycle_close',
  local_instance_dispose: 'local_instance_dispose.lifecycle_close',
  known_lifecycle_close: 'known_lifecycle_close.lifecycle_close',
  unknown_scope_close: 'unknown_scope_close.missing_lifecycle_provenance',
  abandoned: 'abandoned.max_age_exceeded',
};

/** `<classification>.<suffix>`; an interrupted run the package had to end is `.end_not_observed`. */
export function summaryKeyOf(classification: CloseClassification, endNotObserved = false): string {
  return endNotObserved ? `${classification}.end_not_observed` : SUMMARY_KEYS[classification];
}

/**
 * Span status per classification. There is no standard status for cancellation: deliberate
 * closes (user cancel, a known lifecycle action) are not failures and stay UNSET; a failed run
 * and a close nobody explains are ERROR, with `error.type` set to the classification itself.
 */
export function isErrorClassification(classification: CloseClassification): boolean {
  return classification === 'error' || classification === 'unknown_scope_close' || classification === 'abandoned';
}

export function statusOf(classification: CloseClassification): { code: SpanStatusCode; message?: string } {
  return isErrorClassification(classification)
    ? { code: SpanStatusCode.ERROR, message: classification }
    : { code: SpanStatusCode.UNSET };
}

const KIND_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** `true` when `kind` is a built-in kind or a valid host-defined token. */
export function isLifecycleKind(kind: unknown): kind is string {
  return typeof kind === 'string' && KIND_PATTERN.test(kind);
}

export function describeInvalidKind(kind: unknown): string {
  const shown = typeof kind === 'string' ? `a string of length ${kind.length}` : typeof kind;
  return (
    `invalid lifecycle kind (${shown}): expected one of instance_reload, instance_dispose, ` +
    'instance_dispose_directory, instance_dispose_all, or a token matching /^[a-z][a-z0-9_]{0,39}$/'
  );
}
