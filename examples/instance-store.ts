// A small instance store the way a session host keeps one: an instance per directory, each with
// the AbortControllers of the runs in flight inside it. Nothing here knows about telemetry.

export interface Run {
  readonly id: string;
  readonly directory: string;
  readonly controller: AbortController;
  /** Settles when the run stops: completed, or aborted by a close. */
  readonly done: Promise<'completed' | 'aborted'>;
}

export interface Instance {
  readonly directory: string;
  readonly runs: Map<string, Run>;
  generation: number;
}

/** What a store knows about a run when its work starts. */
export interface RunInfo {
  readonly runId: string;
  readonly sessionId: string | undefined;
  /** The instance's directory. */
  readonly scope: string;
  readonly signal: AbortSignal;
}

/** Simulated work: resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class InstanceStore {
  private readonly instances = new Map<string, Instance>();

  get(directory: string): Instance {
    let instance = this.instances.get(directory);
    if (instance === undefined) {
      instance = { directory, runs: new Map(), generation: 1 };
      this.instances.set(directory, instance);
    }
    return instance;
  }

  directories(): string[] {
    return [...this.instances.keys()];
  }

  /**
   * Starts a simulated run that works for `ms` milliseconds unless its instance closes first; its
   * work fails with the signal's reason when the instance aborts it.
   */
  startRun(
    directory: string,
    id: string,
    ms: number,
    onStop?: (how: 'completed' | 'aborted', reason: unknown) => void,
    sessionId?: string,
  ): Run {
    const instance = this.get(directory);
    const controller = new AbortController();
    const finish = (how: 'completed' | 'aborted', reason: unknown): 'completed' | 'aborted' => {
      instance.runs.delete(id);
      onStop?.(how, reason);
      return how;
    };
    const info: RunInfo = { runId: id, sessionId, scope: directory, signal: controller.signal };
    const done = this.runWork(info, () => work(ms, controller.signal)).then(
      () => finish('completed', undefined),
      (reason: unknown) => finish('aborted', reason),
    );
    const run: Run = { id, directory, controller, done };
    instance.runs.set(id, run);
    return run;
  }

  /** Where a run's work runs: here, plainly; a store that publishes its runs wraps it. */
  protected runWork(_run: RunInfo, work: () => Promise<void>): Promise<void> {
    return work();
  }

  private async close(instance: Instance): Promise<void> {
    const runs = [...instance.runs.values()];
    for (const run of runs) run.controller.abort();
    await Promise.all(runs.map((run) => run.done));
  }

  /** Closes the instance's runs and starts a fresh generation of it. */
  async reload(directory: string): Promise<void> {
    const instance = this.get(directory);
    await this.close(instance);
    instance.generation++;
  }

  async dispose(directory: string): Promise<void> {
    const instance = this.instances.get(directory);
    if (instance === undefined) return;
    this.instances.delete(directory);
    await this.close(instance);
  }

  /** Disposes every instance under `parent` (the directory itself included). */
  async disposeDirectory(parent: string): Promise<void> {
    const under = this.directories().filter(
      (d) => d === parent || d.startsWith(parent.endsWith('/') ? parent : `${parent}/`),
    );
    await Promise.all(under.map((d) => this.dispose(d)));
  }

  /** Disposes every instance: calls `dispose` per instance, as real stores do. */
  async disposeAll(): Promise<void> {
    await Promise.all(this.directories().map((d) => this.dispose(d)));
  }

  /** A worker crash: the instance goes away without any lifecycle call. */
  crash(directory: string): void {
    const instance = this.instances.get(directory);
    if (instance === undefined) return;
    this.instances.delete(directory);
    for (const run of instance.runs.values()) run.controller.abort(new Error('worker exited'));
  }
}
