// How each close classification reads in the views: a symbol and a short text next to the token
// (so a view reads the same without colour vision), and a tone each view maps to its own colour.
// Keyed by the classification type: a classification added to the package without a label does
// not compile.
import type { CloseClassification } from '../types.js';

/** The colour family of a classification: each view maps it to its palette. */
export type Tone = 'bad' | 'warn' | 'ok' | 'lifecycle' | 'other';

export interface ClassificationLabel {
  readonly symbol: string;
  readonly text: string;
  readonly tone: Tone;
}

export const CLASSIFICATION_LABELS: Readonly<Record<CloseClassification, ClassificationLabel>> = {
  success: { symbol: '✓', text: 'completed', tone: 'ok' },
  error: { symbol: '!', text: 'failed', tone: 'warn' },
  user_cancel: { symbol: '■', text: 'cancelled by the user', tone: 'other' },
  local_instance_reload: { symbol: '↻', text: 'closed by a reload', tone: 'lifecycle' },
  local_instance_dispose: { symbol: '⏏', text: 'closed by a dispose', tone: 'lifecycle' },
  known_lifecycle_close: { symbol: '●', text: 'closed by a host-defined action', tone: 'lifecycle' },
  unknown_scope_close: { symbol: '⚠', text: 'UNEXPLAINED: no lifecycle action closed it', tone: 'bad' },
  abandoned: { symbol: '…', text: 'end never observed', tone: 'other' },
};

export const UNKNOWN_SCOPE_CLOSE = 'unknown_scope_close' satisfies CloseClassification;

/** The label of a classification token read from a file; `undefined` for one the package does not know. */
export function labelOf(classification: string): ClassificationLabel | undefined {
  return Object.hasOwn(CLASSIFICATION_LABELS, classification)
    ? CLASSIFICATION_LABELS[classification as CloseClassification]
    : undefined;
}
