// Interim copies of the core's action-handle contract, until the core exports them.
export type { RunHandle, TrackRunOptions } from '../index.js';

export interface ActionOptions {
  scopes?: readonly string[] | undefined;
  reason?: string | undefined;
  origin?: string | undefined;
}

export interface ActionResult {
  error?: unknown;
}

export interface ActionHandle {
  readonly id: string;
  run<T>(fn: () => T): T;
  bind<F extends (...args: never[]) => unknown>(fn: F): F;
  end(result?: ActionResult): void;
}
