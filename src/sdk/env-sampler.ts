// The sampler that OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG name, built from the SDK's own
// sampler classes (the same four in SDK 2 and SDK 3). Internal: the SDK's provider reads these
// variables only when it is given no sampler, and the set-up entry point gives it a
// LifecycleSampler wrapping this one.
import { logger } from '../log.js';
import type { SamplerLike } from './sampler.js';

/** The sampler classes of `@opentelemetry/sdk-trace-base` 2.x and `@opentelemetry/sdk-trace` 3.x. */
export interface SamplerClasses {
  AlwaysOnSampler: new () => SamplerLike;
  AlwaysOffSampler: new () => SamplerLike;
  TraceIdRatioBasedSampler: new (ratio: number) => SamplerLike;
  ParentBasedSampler: new (config: { root: SamplerLike }) => SamplerLike;
}

/** The sampler `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` name, built as the SDK would. */
export function samplerFromEnv(sdk: SamplerClasses, env: Readonly<Record<string, string | undefined>>): SamplerLike {
  const name = (env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase() || 'parentbased_always_on';
  const ratio = (): number => {
    const arg = env.OTEL_TRACES_SAMPLER_ARG;
    const value = arg === undefined || arg.trim() === '' ? 1 : Number(arg);
    if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
    logger.error(`OTEL_TRACES_SAMPLER_ARG must be a number in [0, 1]; using 1`);
    return 1;
  };
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio()) });
    default:
      logger.error(`OTEL_TRACES_SAMPLER=${name.slice(0, 40)} is not supported here; using parentbased_always_on`);
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}
