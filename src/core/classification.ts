// The close vocabulary: which classification a run gets, its summary key, and its span status.
import { SpanStatusCode, type SpanStatus } from '@opentelemetry/api';
import { readArray } from '../host-input.js';
import { UNKNOWN_KIND } from '../semconv.js';
import { describeKind, isLifecycleKind } from '../tokens.js';
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

/**
 * The classification of a run closed by an action of this (already checked) kind: the built-in
 * ones, `known_lifecycle_close` for a declared kind, and `unknown_scope_close` for `unknown_kind`
 * (an undeclared kind explains nothing an operator can trust).
 */
export function classificationForKind(kind: string): CloseClassification {
  return BUILT_IN_KINDS.get(kind) ?? (kind === UNKNOWN_KIND ? 'unknown_scope_close' : 'known_lifecycle_close');
}

const OUTCOME_CLASSIFICATION: Record<RunOutcome, CloseClassification> = {
  completed: 'success',
  error: 'error',
  user_cancel: 'user_cancel',
  // An interrupt nothing recorded (recording failed): no cause can be named.
  interrupted: 'unknown_scope_close',
};

export function classificationForOutcome(outcome: RunOutcome): CloseClassification {
  return OUTCOME_CLASSIFICATION[outcome];
}

export function isRunOutcome(value: unknown): value is RunOutcome {
  return value === 'completed' || value === 'error' || value === 'user_cancel' || value === 'interrupted';
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

/** Why a summary key departs from its classification's usual suffix. */
export type SummaryDetail = 'end_not_observed' | 'undeclared_kind';

/**
 * `<classification>.<suffix>`; an interrupted run the package had to end is `.end_not_observed`, a
 * close by an action of an undeclared kind `.undeclared_kind`.
 */
export function summaryKeyOf(classification: CloseClassification, detail?: SummaryDetail | boolean): string {
  if (detail === true || detail === 'end_not_observed') return `${classification}.end_not_observed`;
  if (detail === 'undeclared_kind') return `${classification}.undeclared_kind`;
  return SUMMARY_KEYS[classification];
}

/**
 * Span status per classification. There is no standard status for cancellation: deliberate
 * closes (user cancel, a known lifecycle action) are not failures and stay UNSET; a failed run
 * and a close nobody explains are ERROR, with `error.type` set to the classification itself.
 */
export function isErrorClassification(classification: CloseClassification): boolean {
  return classification === 'error' || classification === 'unknown_scope_close' || classification === 'abandoned';
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const ERROR_STATUS = new Map<CloseClassification, SpanStatus>();

export function statusOf(classification: CloseClassification): SpanStatus {
  if (!isErrorClassification(classification)) return UNSET;
  let status = ERROR_STATUS.get(classification);
  if (status === undefined) {
    status = Object.freeze({ code: SpanStatusCode.ERROR, message: classification });
    ERROR_STATUS.set(classification, status);
  }
  return status;
}

/** The kinds an action may have: the built-in ones plus those the host declared. */
export class KindSet {
  private readonly kinds: ReadonlySet<string>;
  private readonly reported = new Set<string>();
  readonly problems: string[] = [];

  constructor(declared: unknown) {
    const kinds = new Set<string>(BUILT_IN_LIFECYCLE_KINDS);
    const list = readArray(declared, 256);
    if (list !== undefined) {
      for (const kind of list) {
        if (isLifecycleKind(kind) && kind !== UNKNOWN_KIND) kinds.add(kind);
        else this.problems.push(`kinds: ${describeKind(kind)} is not a token /^[a-z][a-z0-9_]{0,39}$/; ignored`);
      }
    } else if (declared !== undefined) {
      this.problems.push('kinds must be an array of kind tokens; ignored');
    }
    this.kinds = kinds;
  }

  has(kind: unknown): kind is string {
    return typeof kind === 'string' && this.kinds.has(kind);
  }

  /**
   * The kind to record: itself when declared, else `unknown_kind`; the first time a value is seen,
   * `report` gets the message naming it (bounded) and the allowed kinds.
   */
  resolve(kind: unknown, report: (message: string) => void): string {
    if (this.has(kind)) return kind;
    const key = typeof kind === 'string' ? kind : `<${typeof kind}>`;
    if (!this.reported.has(key) && this.reported.size < 64) {
      this.reported.add(key);
      report(
        `undeclared lifecycle kind ${describeKind(kind)}: recorded as ${UNKNOWN_KIND}; declare it in ` +
          `config.kinds. Allowed: ${[...this.kinds].join(', ')}`,
      );
    }
    return UNKNOWN_KIND;
  }
}
