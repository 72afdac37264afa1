// The two set-up examples in examples/sdk-setups/, run as a user runs them: the package's own
// `startTelemetry()`, and OpenTelemetry's NodeSDK with the instrumentation beside the HTTP
// instrumentation. In the checkout the /setup example runs from source (tsx, SDK 2). In the test
// matrix (.ci/matrix.sh) both are compiled with tsc (strict, exactOptionalPropertyTypes) against
// the SDK line installed in the consumer folder, and run there on the matrix runtime.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { HOST_CWD, HOST_RUNTIME, httpJson, ROOT, startService, type Service } from './utils/processes.js';

const inCheckout = HOST_CWD === ROOT;
/** Which example the matrix consumer was installed for: `setup` or `node-sdk`. */
const example = process.env.OSL_EXAMPLE ?? 'setup';
const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

let receiver: Receiver | undefined;
let app: Service | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await receiver?.close();
  receiver = undefined;
});

/** Compiles the examples into `<consumer>/examples-out` with the consumer's packages; tsc's output on failure. */
function compileInConsumer(entry: string): string {
  const src = join(HOST_CWD, 'examples-src');
  mkdirSync(src, { recursive: true });
  cpSync(join(ROOT, 'examples', 'sdk-setups'), src, { recursive: true });
  writeFileSync(
    join(HOST_CWD, 'tsconfig.examples.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'ES2022',
        rootDir: 'examples-src',
        outDir: 'examples-out',
        skipLibCheck: false,
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        types: ['node'],
      },
      files: [`examples-src/${entry}`],
    }),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.examples.json'],
    {
      cwd: HOST_CWD,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return `${tsc.stdout}${tsc.stderr}`.trim();
}

/** Starts the example, starts a run, reloads its scope from a caller's trace, stops the example. */
async function exercise(args: string[], env: Record<string, string>) {
  receiver = await startReceiver();
  app = startService(
    HOST_RUNTIME,
    args,
    { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'example-host', ...env },
    HOST_CWD,
  );
  const { url } = JSON.parse(await app.waitForLine((line) => line.startsWith('{'), 30_000)) as { url: string };
  const run = (await httpJson('POST', `${url}/runs?dir=/srv/project-a`)).json as {
    runId: string;
    traceId: string;
    spanId: string;
  };
  const reload = await fetch(`${url}/reload?dir=/srv/project-a`, {
    method: 'POST',
    headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
  });
  expect(await reload.json()).toEqual({ closed: 1 });
  const stopped = await app.stop();
  app = undefined;
  const spans = receiver.spans();
  const action = spans.find((s) => s.name === 'lifecycle instance_reload');
  expect(action, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
  const closed = spans.find((s) => s.name === 'run closed')!;
  const runSpan = spans.find((s) => s.spanId === run.spanId)!;
  // The reload is part of the caller's trace; its closed-run child links to the run's own span.
  expect(action!.traceId).toBe(CALLER_TRACE);
  expect(closed.parentSpanId).toBe(action!.spanId);
  expect(closed.links).toEqual([{ traceId: run.traceId, spanId: run.spanId }]);
  expect(closed.attributes['session_host.close.classification']).toBe('local_instance_reload');
  expect(runSpan.attributes['session_host.close.summary_key']).toBe('local_instance_reload.lifecycle_close');
  expect(action!.resource['service.name']).toBe('example-host');
  return { spans, action: action!, stopped };
}

describe('example: the package set-up entry (startTelemetry)', () => {
  it.runIf(inCheckout)('runs from source: the reload joins the caller trace through the W3C propagator', async () => {
    const { action, stopped } = await exercise(['--import', 'tsx', 'examples/sdk-setups/with-setup.ts'], {});
    expect(action.parentSpanId).toBe(CALLER_SPAN);
    expect(stopped.signal).toBe('SIGTERM');
  });

  it.runIf(!inCheckout && example === 'setup')(
    'compiles against the installed SDK line and runs there',
    async () => {
      expect(compileInConsumer('with-setup.ts')).toBe('');
      const { action, stopped } = await exercise(['examples-out/with-setup.js'], {});
      expect(action.parentSpanId).toBe(CALLER_SPAN);
      expect(stopped.signal).toBe('SIGTERM');
    },
    120_000,
  );
});

describe('example: NodeSDK with the instrumentation beside instrumentation-http', () => {
  it.runIf(!inCheckout && example === 'node-sdk')(
    'compiles against the installed SDK line; the reload is a child of the HTTP server span',
    async () => {
      expect(compileInConsumer('with-node-sdk.ts')).toBe('');
      const { spans, action, stopped } = await exercise(
        ['--import', './examples-out/node-sdk-telemetry.js', 'examples-out/with-node-sdk.js'],
        {
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
        },
      );
      const server = spans.find((s) => s.traceId === CALLER_TRACE && s.parentSpanId === CALLER_SPAN);
      expect(server?.scope.name).toBe('@opentelemetry/instrumentation-http');
      expect(action.parentSpanId).toBe(server!.spanId);
      expect(stopped.code).toBe(0);
    },
    120_000,
  );
});
