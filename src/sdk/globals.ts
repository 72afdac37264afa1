// Registering the set-up's tracer provider globally, with what SDK 2's NodeTracerProvider.register()
// did and SDK 3 leaves to the caller: the AsyncLocalStorage context manager and the W3C trace
// context and baggage propagators.
import { context, propagation, trace, type TracerProvider } from '@opentelemetry/api';
import type { ContextAsyncHooks, CoreSdk } from './sdk-loader.js';

export function registerGlobals(provider: TracerProvider, asyncHooks: ContextAsyncHooks, core: CoreSdk): void {
  const contextManager = new asyncHooks.AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
}
