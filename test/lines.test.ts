// Which SDK line the set-up entry point is on, what it tells a user to install, and that the
// install guide gives the same commands (the test matrix installs with exactly those lines).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { detectLine, installArgs, installCommand, missingPackageError, unsupportedRuntime } from '../src/sdk/lines.js';
import { ROOT } from './utils/processes.js';

const installLine = (name: string): string =>
  execFileSync(process.execPath, ['tools/install-line.mjs', name], { cwd: ROOT, encoding: 'utf8' }).trim();

describe('SDK lines', () => {
  it('take the line from the installed @opentelemetry/api: 1.9 is SDK 2, 1.10 and later SDK 3', () => {
    expect(detectLine('1.9.0', '20.20.2').line).toBe(2);
    expect(detectLine('1.9.1', '24.11.0').line).toBe(2);
    expect(detectLine('1.10.0', '24.11.0').line).toBe(3);
    expect(detectLine('1.10.0', '22.15.0').line).toBe(3);
    // The checkout's own devDependencies are SDK 2.
    expect(detectLine()).toMatchObject({ line: 2, api: expect.stringMatching(/^1\.9\./) });
  });

  it('name the SDK 2 command when SDK 3 api meets a Node.js older than 22.15', () => {
    expect(unsupportedRuntime(detectLine('1.10.0', '20.20.2'))).toContain(installCommand(2));
    expect(unsupportedRuntime(detectLine('1.10.0', '22.14.0'))).toContain('Node.js >= 22.15');
    expect(unsupportedRuntime(detectLine('1.10.0', '22.15.0'))).toBeUndefined();
    expect(unsupportedRuntime(detectLine('1.9.0', '20.6.0'))).toBeUndefined();
  });

  it('name the exact install command of the host line for a missing package', () => {
    const sdk3 = missingPackageError(detectLine('1.10.0', '24.0.0'), 'trace', new Error('x')).message;
    expect(sdk3).toContain(
      'needs @opentelemetry/sdk-trace (OpenTelemetry JS SDK 3, the line of the installed @opentelemetry/api 1.10.0)',
    );
    expect(sdk3).toContain(`Install it with: ${installCommand(3)}`);
    const sdk2 = missingPackageError(detectLine('1.9.0', '20.0.0'), 'contextAsyncHooks', new Error('x')).message;
    expect(sdk2).toContain(`needs @opentelemetry/context-async-hooks`);
    expect(sdk2).toContain(installCommand(2));
    expect(missingPackageError(detectLine('1.10.0', '24.0.0'), 'traceExporterJson', undefined).message).toContain(
      '@opentelemetry/exporter-trace-otlp-http@^0.301.0',
    );
    expect(missingPackageError(detectLine('1.9.0', '20.0.0'), 'prometheus', undefined).message).toMatch(
      /Install it with: npm install @opentelemetry\/exporter-prometheus@\^0\.223\.0$/,
    );
  });

  it('install guide: each set-up line is the package plus the packages the error names', () => {
    expect(installLine('sdk2-setup')).toBe(`npm install otel-session-lifecycle ${installArgs(2).join(' ')}`);
    expect(installLine('sdk3-setup')).toBe(`npm install otel-session-lifecycle ${installArgs(3).join(' ')}`);
    expect(installLine('sdk2-node-sdk')).toMatch(
      /^npm install otel-session-lifecycle @opentelemetry\/api@~1\.9\.0 .*sdk-node@\^0\.223\.0/,
    );
    expect(installLine('sdk3-node-sdk')).toMatch(
      /^npm install otel-session-lifecycle @opentelemetry\/api@\^1\.10\.0 .*sdk-node@\^0\.301\.0/,
    );
  });
});
