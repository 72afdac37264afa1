// The example store as a host with no telemetry dependency writes it: its lifecycle actions and
// its runs are traced on `node:diagnostics_channel` (docs/channels.md), and whoever listens (the
// instrumentation, a logger) records them. Nobody listening costs one property read per call.
// Nothing here imports otel-session-lifecycle.
import diagnosticsChannel from 'node:diagnostics_channel';
import { InstanceStore, type RunInfo } from '../instance-store.js';

const lifecycle = diagnosticsChannel.tracingChannel('session_host:lifecycle');
const runs = diagnosticsChannel.tracingChannel('session_host:run');

// `start.hasSubscribers`, not the TracingChannel's own `hasSubscribers`: Bun has no such property
// on a TracingChannel (Node has it from 20.13), and every listener of a traced call hears `start`.
function action<T>(kind: string, scopes: readonly string[], call: () => Promise<T>): Promise<T> {
  return lifecycle.start.hasSubscribers ? lifecycle.tracePromise(call, { kind, scopes }) : call();
}

export class ChannelInstanceStore extends InstanceStore {
  override reload(directory: string): Promise<void> {
    return action('instance_reload', [directory], () => super.reload(directory));
  }

  override dispose(directory: string): Promise<void> {
    return action('instance_dispose', [directory], () => super.dispose(directory));
  }

  override disposeDirectory(parent: string): Promise<void> {
    return action('instance_dispose_directory', [parent], () => super.disposeDirectory(parent));
  }

  override disposeAll(): Promise<void> {
    return action('instance_dispose_all', this.directories(), () => super.disposeAll());
  }

  /** The run starts when its work starts and ends when the work settles (its rejection: the abort). */
  protected override runWork(run: RunInfo, work: () => Promise<void>): Promise<void> {
    return runs.start.hasSubscribers ? runs.tracePromise(work, { ...run }) : work();
  }
}
