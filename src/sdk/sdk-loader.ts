// Loading the SDK packages of the host's line, behind one interface: the trace SDK (SDK 2's
// sdk-trace-base or SDK 3's sdk-trace), and the packages every set-up needs. A missing package
// fails with the exact install command for that line.
import type { Context, ContextManager, MeterProvider, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import type { SamplerClasses } from './env-sampler.js';
import { LINES, missingPackageError, type HostLine, type SdkRole } from './lines.js';
import type { SamplerLike } from './sampler.js';
import type { SpanExporterLike } from './serial-exporter.js';

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/** Loads the package of `role` for the host's line; a missing one names the install command. */
export async function load<T>(host: HostLine, role: SdkRole): Promise<T> {
  const [name] = LINES[host.line].packages[role];
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const message = String((error as { message?: unknown } | undefined)?.message ?? '');
    if ((typeof code === 'string' && NOT_FOUND.has(code)) || /Cannot find (package|module)/.test(message)) {
      throw missingPackageError(host, role, error);
    }
    throw error;
  }
}

// The SDK's shapes this module uses, the same in SDK 2 and SDK 3 (the metrics and resources
// types are taken from the SDK 2 devDependencies; the parts used here did not change in SDK 3).
export type MetricsSdk = typeof import('@opentelemetry/sdk-metrics');
export type ResourcesSdk = typeof import('@opentelemetry/resources');
export type Resource = ReturnType<ResourcesSdk['defaultResource']>;

export interface SpanProcessorLike {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
export interface SdkTracerProvider extends TracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
type ProviderClass = new (config: {
  resource: Resource;
  sampler: SamplerLike;
  spanProcessors: SpanProcessorLike[];
}) => SdkTracerProvider;
/** `@opentelemetry/sdk-trace` 3.x: `TracerProvider`. */
interface TraceSdk3 extends SamplerClasses {
  TracerProvider: ProviderClass;
  ConsoleSpanExporter: new () => SpanExporterLike;
}
/** `@opentelemetry/sdk-trace-base` 2.x: `BasicTracerProvider`; processors take (exporter, config). */
interface TraceSdk2 extends SamplerClasses {
  BasicTracerProvider: ProviderClass;
  ConsoleSpanExporter: new () => SpanExporterLike;
}
export interface CoreSdk {
  CompositePropagator: new (config: { propagators: TextMapPropagator[] }) => TextMapPropagator;
  W3CTraceContextPropagator: new () => TextMapPropagator;
  W3CBaggagePropagator: new () => TextMapPropagator;
  suppressTracing(context: Context): Context;
}
export interface ContextAsyncHooks {
  AsyncLocalStorageContextManager: new () => ContextManager & { enable(): unknown };
}
export type OtlpExporterClass = new (config: {
  selfObsMeterProvider: MeterProvider;
  concurrencyLimit: number;
}) => SpanExporterLike;

/** The trace SDK of the host's line, behind one interface. */
export interface TraceSdk extends SamplerClasses {
  Provider: ProviderClass;
  consoleExporter(): SpanExporterLike;
}

const samplerClasses = (sdk: SamplerClasses): SamplerClasses => ({
  AlwaysOnSampler: sdk.AlwaysOnSampler,
  AlwaysOffSampler: sdk.AlwaysOffSampler,
  TraceIdRatioBasedSampler: sdk.TraceIdRatioBasedSampler,
  ParentBasedSampler: sdk.ParentBasedSampler,
});

export async function loadTraceSdk(host: HostLine): Promise<TraceSdk> {
  if (host.line === 3) {
    const sdk = await load<TraceSdk3>(host, 'trace');
    if (typeof sdk.TracerProvider !== 'function')
      throw missingPackageError(host, 'trace', new Error('no TracerProvider export'));
    return {
      ...samplerClasses(sdk),
      Provider: sdk.TracerProvider,
      consoleExporter: () => new sdk.ConsoleSpanExporter(),
    };
  }
  const sdk = await load<TraceSdk2>(host, 'trace');
  return {
    ...samplerClasses(sdk),
    Provider: sdk.BasicTracerProvider,
    consoleExporter: () => new sdk.ConsoleSpanExporter(),
  };
}

/** The packages every set-up loads, at once. */
export async function loadSdks(host: HostLine) {
  const [trace, asyncHooks, core, resources, metrics] = await Promise.all([
    loadTraceSdk(host),
    load<ContextAsyncHooks>(host, 'contextAsyncHooks'),
    load<CoreSdk>(host, 'core'),
    load<ResourcesSdk>(host, 'resources'),
    load<MetricsSdk>(host, 'metrics'),
  ]);
  return { trace, asyncHooks, core, resources, metrics };
}
