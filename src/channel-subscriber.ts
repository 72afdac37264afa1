// The package's side of the `node:diagnostics_channel` contract (docs/channels.md): hosts trace
// their lifecycle actions and runs on TracingChannels and publish scope closes, with no dependency
// on this package; while enabled, the instrumentation subscribes and feeds what it hears to the
// same calls as the direct API, so attribution is identical. A malformed message is bounded or
// ignored with a diag line; nothing here throws into the publisher.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { AsyncLocalStorage } from 'node:async_hooks';
import { guarded } from './guard.js';
import { readOption, scopesIn } from './host-input.js';
import { logger } from './log.js';
import { CHANNEL_LIFECYCLE, CHANNEL_RUN, CHANNEL_SCOPE_CLOSE } from './semconv.js';
import type { ActionHandle, ActionOptions, RunEndOptions, RunHandle } from './types.js';

/** What the subscriber drives: the core, through the façade. */
export interface ChannelTarget {
  /** Begins or joins an action; `store` is what the core's async context holds while its code runs. */
  beginBound(kind: unknown, options: ActionOptions): { handle: ActionHandle; store: object | undefined };
  /** The core's async context of actions. */
  readonly store: AsyncLocalStorage<object>;
  trackRun(options: unknown): RunHandle;
  closeScope(scope: unknown): number;
}

type Handler = (message: unknown, name: string | symbol) => void;

/** `traceSync` publishes `end` after the result; `tracePromise` before it settles, then `asyncEnd`. */
function settledAtEnd(context: unknown): context is object {
  return typeof context === 'object' && context !== null && ('result' in context || 'error' in context);
}

function hasTracingChannel(): boolean {
  return typeof diagnosticsChannel.tracingChannel === 'function';
}

/** The instrumentations that want to hear the channels, in the order they were enabled. */
const listeners: ChannelSubscriber[] = [];

function settleListeners(): void {
  const top = listeners.at(-1);
  for (const listener of listeners) if (listener !== top) listener.listen(false);
  top?.listen(true);
}

export class ChannelSubscriber {
  private readonly actions = new WeakMap<object, ActionHandle>();
  private readonly runs = new WeakMap<object, RunHandle>();
  /** Traced calls begun and not yet ended: the end handlers stay subscribed until they have ended. */
  private pending = 0;
  private starts = false;
  private ends = false;
  private readonly handlers: {
    readonly bindAction: (context: unknown) => object | undefined;
    readonly actionEnd: Handler;
    readonly actionAsyncEnd: Handler;
    readonly runStart: Handler;
    readonly runEnd: Handler;
    readonly runAsyncEnd: Handler;
    readonly scopeClose: Handler;
  };

  constructor(private readonly target: ChannelTarget) {
    this.handlers = {
      bindAction: (context) => this.startAction(context),
      actionEnd: (context) => {
        if (settledAtEnd(context)) this.endAction(context);
      },
      actionAsyncEnd: (context) => this.endAction(context),
      runStart: (context) => this.startRun(context),
      runEnd: (context) => {
        if (settledAtEnd(context)) this.endRun(context);
      },
      runAsyncEnd: (context) => this.endRun(context),
      scopeClose: (message) => this.closeScopes(message),
    };
  }

  /**
   * Starts hearing the channels. One instrumentation in a process hears them: the one enabled
   * last (a host's own, say, over the one the register entry made), so no action is recorded twice;
   * the one before it hears them again if that one is disabled.
   */
  subscribe(): void {
    if (listeners.includes(this)) return;
    if (!hasTracingChannel()) {
      logger.warn('node:diagnostics_channel has no tracingChannel here: the session_host channels are not heard');
      return;
    }
    listeners.push(this);
    settleListeners();
  }

  /** Stops hearing new actions and runs; those already begun still end (their end handlers stay until then). */
  unsubscribe(): void {
    const index = listeners.indexOf(this);
    if (index < 0) return;
    listeners.splice(index, 1);
    this.listen(false);
    settleListeners();
  }

  /** Hears new starts when `on`, or stops; ends of what began stay heard until they have ended. */
  listen(on: boolean): void {
    if (on === this.starts) return;
    if (on) guarded('subscribing to the session_host channels', () => this.attach(), undefined);
    else guarded('unsubscribing from the session_host channels', () => this.detach(this.pending === 0), undefined);
  }

  private attach(): void {
    const lifecycle = diagnosticsChannel.tracingChannel(CHANNEL_LIFECYCLE);
    const run = diagnosticsChannel.tracingChannel(CHANNEL_RUN);
    const h = this.handlers;
    if (!this.ends) {
      lifecycle.end.subscribe(h.actionEnd);
      lifecycle.asyncEnd.subscribe(h.actionAsyncEnd);
      run.end.subscribe(h.runEnd);
      run.asyncEnd.subscribe(h.runAsyncEnd);
      this.ends = true;
    }
    lifecycle.start.bindStore(this.target.store, h.bindAction);
    run.start.subscribe(h.runStart);
    diagnosticsChannel.subscribe(CHANNEL_SCOPE_CLOSE, h.scopeClose);
    this.starts = true;
  }

  private detach(ends: boolean): void {
    const lifecycle = diagnosticsChannel.tracingChannel(CHANNEL_LIFECYCLE);
    const run = diagnosticsChannel.tracingChannel(CHANNEL_RUN);
    const h = this.handlers;
    if (this.starts) {
      lifecycle.start.unbindStore(this.target.store);
      run.start.unsubscribe(h.runStart);
      diagnosticsChannel.unsubscribe(CHANNEL_SCOPE_CLOSE, h.scopeClose);
      this.starts = false;
    }
    if (ends && this.ends) {
      lifecycle.end.unsubscribe(h.actionEnd);
      lifecycle.asyncEnd.unsubscribe(h.actionAsyncEnd);
      run.end.unsubscribe(h.runEnd);
      run.asyncEnd.unsubscribe(h.runAsyncEnd);
      this.ends = false;
    }
  }

  private settled(): void {
    if (--this.pending === 0 && !this.starts && this.ends) {
      guarded('unsubscribing from the session_host channels', () => this.detach(true), undefined);
    }
  }

  /** The bound store's transform: begins the action and hands the core's context its store. */
  private startAction(context: unknown): object | undefined {
    const current = this.target.store.getStore();
    return guarded(
      `${CHANNEL_LIFECYCLE} start`,
      () => {
        if (typeof context !== 'object' || context === null) {
          logger.warn(`${CHANNEL_LIFECYCLE}: the context must be an object with a kind; ignored`);
          return current;
        }
        const options: ActionOptions = {
          scopes: scopesIn(readOption(context, 'scopes')),
          reason: readOption(context, 'reason') as string | undefined,
          origin: readOption(context, 'origin') as string | undefined,
        };
        const { handle, store } = this.target.beginBound(readOption(context, 'kind'), options);
        this.actions.set(context, handle);
        this.pending++;
        return store;
      },
      current,
    );
  }

  private endAction(context: unknown): void {
    if (typeof context !== 'object' || context === null) return;
    const handle = this.actions.get(context);
    if (handle === undefined) return;
    this.actions.delete(context);
    guarded(`${CHANNEL_LIFECYCLE} end`, () => handle.end(errorOf(context)), undefined);
    this.settled();
  }

  private startRun(context: unknown): void {
    if (typeof context !== 'object' || context === null) {
      logger.warn(`${CHANNEL_RUN}: the context must be an object with runId and scope; ignored`);
      return;
    }
    guarded(
      `${CHANNEL_RUN} start`,
      () => {
        this.runs.set(context, this.target.trackRun(context));
        this.pending++;
      },
      undefined,
    );
  }

  private endRun(context: unknown): void {
    if (typeof context !== 'object' || context === null) return;
    const run = this.runs.get(context);
    if (run === undefined) return;
    this.runs.delete(context);
    guarded(`${CHANNEL_RUN} end`, () => run.end(runEndOf(context)), undefined);
    this.settled();
  }

  private closeScopes(message: unknown): void {
    const scopes = scopesIn(readOption(message, 'scopes'));
    if (scopes.length === 0) {
      logger.warn(`${CHANNEL_SCOPE_CLOSE}: the message names no scopes (scopes: string[]); ignored`);
      return;
    }
    for (const scope of scopes) guarded(`${CHANNEL_SCOPE_CLOSE}`, () => this.target.closeScope(scope), undefined);
  }
}

function errorOf(context: object): { error: unknown } | undefined {
  return 'error' in context ? { error: readOption(context, 'error') } : undefined;
}

/**
 * How a traced run ended: the outcome the host set on the context (a user's cancel said before it
 * aborted the work, say), with the work's error if it failed; else the error; else completed.
 */
function runEndOf(context: object): RunEndOptions {
  const outcome = readOption(context, 'outcome') as RunEndOptions['outcome'];
  if (!('error' in context)) return { outcome: outcome ?? 'completed' };
  const error = readOption(context, 'error');
  return outcome === undefined ? { error } : { outcome, error };
}
