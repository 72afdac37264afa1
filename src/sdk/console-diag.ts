// The console diag logger the set-up installs: at `OTEL_LOG_LEVEL`, or at the entry point's
// default (`register` uses `warn`, so lost spans are never silent); otherwise the host's own
// diag set-up is left alone.
import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { diagLevel } from './env.js';

export function installConsoleDiag(otelLogLevel: string | undefined, defaultLevel: 'warn' | undefined): void {
  const level = diagLevel(otelLogLevel) ?? (defaultLevel === 'warn' ? DiagLogLevel.WARN : undefined);
  if (level !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: level, suppressOverrideMessage: true });
}
