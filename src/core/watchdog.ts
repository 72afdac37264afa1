// Ends runs that nobody ends: interrupted runs the host never ended within the grace period, and
// (when enabled) runs older than the maximum age. One unref'd timer, armed while there is
// something to watch and let go by the first sweep that finds nothing: it never keeps the process
// alive, and costs the hot path nothing while the maximum age is off.

export interface WatchedRun {
  /** Set whenever the maximum age is on. */
  readonly startedAt: number | undefined;
  interruptedAt: number | undefined;
  /** Which of the watchdog's sets holds the run, if any. */
  watch: 'interrupted' | 'alive' | undefined;
}

export type ExpiryReason = 'grace' | 'max_age';

export class RunWatchdog<R extends WatchedRun> {
  // Insertion order is interrupt order (or start order): with one threshold for all, the oldest
  // come first and a sweep stops at the first run still in time.
  private readonly interrupted = new Set<R>();
  private readonly alive = new Set<R>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    /** The current limits, read live (config can change); 0 turns one off. */
    private readonly graceMs: () => number,
    private readonly maxAgeMs: () => number,
    private readonly expire: (run: R, reason: ExpiryReason) => void,
  ) {}

  private limits(): { graceMs: number; maxAgeMs: number } {
    return { graceMs: this.graceMs(), maxAgeMs: this.maxAgeMs() };
  }

  started(run: R): void {
    if (this.maxAgeMs() <= 0) return;
    this.alive.add(run);
    run.watch = 'alive';
    this.arm();
  }

  wasInterrupted(run: R): void {
    if (this.graceMs() <= 0) return;
    if (run.watch === 'alive') this.alive.delete(run);
    this.interrupted.add(run);
    run.watch = 'interrupted';
    this.arm();
  }

  ended(run: R): void {
    if (run.watch === undefined) return;
    if (run.watch === 'interrupted') this.interrupted.delete(run);
    else this.alive.delete(run);
    run.watch = undefined;
    // The timer stays until a sweep finds nothing to watch: a dispose-all interrupts and ends its
    // runs one after another, and must not arm and disarm a timer for each.
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    const { graceMs, maxAgeMs } = this.limits();
    const shortest = Math.min(...[graceMs, maxAgeMs].filter((ms) => ms > 0));
    const interval = Math.min(5000, Math.max(20, Math.floor(shortest / 4)));
    this.timer = setInterval(() => this.sweep(), interval);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Ends what is due. Public for tests that drive time themselves. */
  sweep(now = performance.now()): void {
    if (this.interrupted.size === 0 && this.alive.size === 0) {
      this.disarm();
      return;
    }
    const { graceMs, maxAgeMs } = this.limits();
    if (graceMs > 0) {
      for (const run of this.interrupted) {
        if (now - (run.interruptedAt ?? now) < graceMs) break;
        this.expire(run, 'grace');
      }
    }
    if (maxAgeMs > 0) {
      for (const run of this.alive) {
        if (now - (run.startedAt ?? now) < maxAgeMs) break;
        this.expire(run, 'max_age');
      }
    }
  }
}
