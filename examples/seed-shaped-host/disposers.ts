// The disposer registry: whatever keeps per-directory state registers how to drop one directory's
// share of it, and disposing an instance runs every disposer for its directory, waiting for all.
// Promise-based, as such registries are: a disposer knows nothing of the caller's fiber.

type Disposer = (directory: string) => Promise<void>;

const disposers = new Set<Disposer>();

/** Adds `disposer`; returns the function that removes it again. */
export function registerDisposer(disposer: Disposer): () => void {
  disposers.add(disposer);
  return () => {
    disposers.delete(disposer);
  };
}

/** Runs every registered disposer for `directory`; one that fails does not stop the others. */
export async function runDisposers(directory: string): Promise<void> {
  await Promise.allSettled([...disposers].map((dispose) => dispose(directory)));
}
