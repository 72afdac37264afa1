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

  /** Starts a simulated run that works for `ms` milliseconds unless its instance closes first. */
  startRun(
    directory: string,
    id: string,
    ms: number,
    onStop?: (how: 'completed' | 'aborted', reason: unknown) => void,
  ): Run {
    const instance = this.get(directory);
    const controller = new AbortController();
    const done = new Promise<'completed' | 'aborted'>((resolve) => {
      const timer = setTimeout(() => finish('completed', undefined), ms);
      const finish = (how: 'completed' | 'aborted', reason: unknown) => {
        clearTimeout(timer);
        instance.runs.delete(id);
        onStop?.(how, reason);
        resolve(how);
      };
      controller.signal.addEventListener('abort', () => finish('aborted', controller.signal.reason), { once: true });
    });
    const run: Run = { id, directory, controller, done };
    instance.runs.set(id, run);
    return run;
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
