// Ends runs that nobody ends: interrupted runs the host never ended within the grace period, and
// (when enabled) runs older than the maximum age. One unref'd timer, armed while there is
// something to watch and let go by the first sweep that finds nothing: it never keeps the process
// alive, and costs the hot path nothing while the maximum age is off.

export interface WatchedRun {
  /** Set whenever the maximum age is on. */
  readonly startedAt: number | undefined;
  interruptedAt: number | undefined;
  /** Which of the watchdog's lists holds the run, if any, and its neighbours there. */
  watch: 'interrupted' | 'alive' | undefined;
  prevWatched: WatchedRun | undefined;
  nextWatched: WatchedRun | undefined;
}

export type ExpiryReason = 'grace' | 'max_age';

/**
 * Runs in the order they joined, as a list threaded through the runs themselves: a dispose-all
 * that interrupts and ends 100,000 runs allocates nothing here, and grows and shrinks no table.
 */
class WatchList {
  head: WatchedRun | undefined;
  tail: WatchedRun | undefined;

  get empty(): boolean {
    return this.head === undefined;
  }

  add(run: WatchedRun): void {
    run.prevWatched = this.tail;
    run.nextWatched = undefined;
    if (this.tail === undefined) this.head = run;
    else this.tail.nextWatched = run;
    this.tail = run;
  }

  remove(run: WatchedRun): void {
    const { prevWatched: prev, nextWatched: next } = run;
    if (prev === undefined) this.head = next;
    else prev.nextWatched = next;
    if (next === undefined) this.tail = prev;
    else next.prevWatched = prev;
    run.prevWatched = run.nextWatched = undefined;
  }
}

export class RunWatchdog<R extends WatchedRun> {
  // Join order is interrupt order (or start order): with one threshold for all, the oldest come
  // first and a sweep stops at the first run still in time.
  private readonly interrupted = new WatchList();
  private readonly alive = new WatchList();
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
    if (run.watch === 'alive') this.alive.remove(run);
    if (run.watch !== 'interrupted') this.interrupted.add(run);
    run.watch = 'interrupted';
    this.arm();
  }

  ended(run: R): void {
    if (run.watch === undefined) return;
    (run.watch === 'interrupted' ? this.interrupted : this.alive).remove(run);
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
    if (this.interrupted.empty && this.alive.empty) {
      this.disarm();
      return;
    }
    const { graceMs, maxAgeMs } = this.limits();
    if (graceMs > 0) this.expireFrom(this.interrupted, (run) => now - (run.interruptedAt ?? now) >= graceMs, 'grace');
    if (maxAgeMs > 0) this.expireFrom(this.alive, (run) => now - (run.startedAt ?? now) >= maxAgeMs, 'max_age');
  }

  /** Expires the runs of `list` that are `due`, oldest first (taken first: expiring one may end others). */
  private expireFrom(list: WatchList, due: (run: WatchedRun) => boolean, reason: ExpiryReason): void {
    const expired: WatchedRun[] = [];
    for (let run = list.head; run !== undefined && due(run); run = run.nextWatched) expired.push(run);
    for (const run of expired) this.expire(run as R, reason);
  }
}
