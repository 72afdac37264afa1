// The two OpenTelemetry JS SDK lines the set-up entry point runs on, what each needs installed,
// and which one the host is on. SDK 2: @opentelemetry/api 1.9, sdk-trace-base 2.x (Node >= 20.6).
// SDK 3: api 1.10, @opentelemetry/sdk-trace 3.x (sdk-trace-base and sdk-trace-node have no 3.x;
// Node >= 22.15). The line is the one the installed @opentelemetry/api belongs to: each SDK line
// accepts only its own api minor, so the api decides it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PACKAGE_NAME } from '../version.js';

export type SdkLine = 2 | 3;

/** The packages the set-up entry point loads, by role. */
export type SdkRole =
  | 'api'
  | 'trace'
  | 'contextAsyncHooks'
  | 'core'
  | 'resources'
  | 'metrics'
  | 'traceExporterProto'
  | 'traceExporterJson'
  | 'metricExporterProto'
  | 'metricExporterJson'
  | 'prometheus';

export interface LineSpec {
  readonly line: SdkLine;
  /** The lowest Node.js version the line runs on. */
  readonly node: readonly [number, number];
  /** Package name and the version range to install, by role. */
  readonly packages: Readonly<Record<SdkRole, readonly [name: string, range: string]>>;
}

export const LINES: Readonly<Record<SdkLine, LineSpec>> = {
  2: {
    line: 2,
    node: [20, 6],
    packages: {
      api: ['@opentelemetry/api', '~1.9.0'],
      trace: ['@opentelemetry/sdk-trace-base', '^2.12.0'],
      contextAsyncHooks: ['@opentelemetry/context-async-hooks', '^2.12.0'],
      core: ['@opentelemetry/core', '^2.12.0'],
      resources: ['@opentelemetry/resources', '^2.12.0'],
      metrics: ['@opentelemetry/sdk-metrics', '^2.12.0'],
      traceExporterProto: ['@opentelemetry/exporter-trace-otlp-proto', '^0.223.0'],
      traceExporterJson: ['@opentelemetry/exporter-trace-otlp-http', '^0.223.0'],
      metricExporterProto: ['@opentelemetry/exporter-metrics-otlp-proto', '^0.223.0'],
      metricExporterJson: ['@opentelemetry/exporter-metrics-otlp-http', '^0.223.0'],
      prometheus: ['@opentelemetry/exporter-prometheus', '^0.223.0'],
    },
  },
  3: {
    line: 3,
    node: [22, 15],
    packages: {
      api: ['@opentelemetry/api', '^1.10.0'],
      trace: ['@opentelemetry/sdk-trace', '^3.1.0'],
      contextAsyncHooks: ['@opentelemetry/context-async-hooks', '^3.1.0'],
      core: ['@opentelemetry/core', '^3.1.0'],
      resources: ['@opentelemetry/resources', '^3.1.0'],
      metrics: ['@opentelemetry/sdk-metrics', '^3.1.0'],
      traceExporterProto: ['@opentelemetry/exporter-trace-otlp-proto', '^0.301.0'],
      traceExporterJson: ['@opentelemetry/exporter-trace-otlp-http', '^0.301.0'],
      metricExporterProto: ['@opentelemetry/exporter-metrics-otlp-proto', '^0.301.0'],
      metricExporterJson: ['@opentelemetry/exporter-metrics-otlp-http', '^0.301.0'],
      prometheus: ['@opentelemetry/exporter-prometheus', '^0.301.0'],
    },
  },
};

/** What `/setup` needs on every start, in the order of the install command. */
export const REQUIRED_ROLES: readonly SdkRole[] = [
  'api',
  'trace',
  'contextAsyncHooks',
  'core',
  'resources',
  'metrics',
  'traceExporterProto',
];

const spec = (line: SdkLine, role: SdkRole): string => {
  const [name, range] = LINES[line].packages[role];
  return `${name}@${range}`;
};

/**
 * The packages, with ranges, that one install command for `line` names: the ones every start
 * needs, with the JSON trace exporter instead of the protobuf one when `json` is set.
 */
export function installArgs(line: SdkLine, json = false): string[] {
  return REQUIRED_ROLES.map((role) => spec(line, json && role === 'traceExporterProto' ? 'traceExporterJson' : role));
}

/** `npm install …` for the line, the exact command the install guide gives (without the package itself). */
export function installCommand(line: SdkLine, json = false): string {
  return `npm install ${installArgs(line, json).join(' ')}`;
}

function parseVersion(version: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)\./.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

const atLeast = (have: readonly [number, number], want: readonly [number, number]): boolean =>
  have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);

/** The version of an installed package as this module resolves it, or undefined. */
export function installedVersion(name: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 10; i++) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (json.name === name && typeof json.version === 'string') return json.version;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch {
    // not resolvable from here
  }
  return undefined;
}

export interface HostLine {
  readonly line: SdkLine;
  /** The installed @opentelemetry/api version, when found. */
  readonly api: string | undefined;
  /** The runtime's Node.js version (Bun reports the Node.js version it implements). */
  readonly node: string;
}

/** The SDK line of the installed @opentelemetry/api: 1.10 and later is SDK 3, earlier SDK 2. */
export function detectLine(
  apiVersion = installedVersion('@opentelemetry/api'),
  nodeVersion = process.versions.node,
): HostLine {
  const api = apiVersion === undefined ? undefined : parseVersion(apiVersion);
  const node = parseVersion(`${nodeVersion}.`) ?? [0, 0];
  const line: SdkLine = api !== undefined ? (atLeast(api, [1, 10]) ? 3 : 2) : atLeast(node, LINES[3].node) ? 3 : 2;
  return { line, api: apiVersion, node: nodeVersion };
}

/** Why the line cannot run here (SDK 3 on an older Node.js), with what to install instead. */
export function unsupportedRuntime(host: HostLine): string | undefined {
  const node = parseVersion(`${host.node}.`) ?? [0, 0];
  if (atLeast(node, LINES[host.line].node)) return undefined;
  const [major, minor] = LINES[host.line].node;
  return (
    `${PACKAGE_NAME}/setup: @opentelemetry/api ${host.api ?? '?'} ` +
    `belongs to OpenTelemetry JS SDK ${host.line}, which needs ` +
    `Node.js >= ${major}.${minor} (this is ${host.node}). On this Node.js use SDK 2: ${installCommand(2)}`
  );
}

/** The error for a package that did not load: names the exact install command for the host's line. */
export function missingPackageError(host: HostLine, role: SdkRole, cause: unknown): Error {
  const [name] = LINES[host.line].packages[role];
  const required = REQUIRED_ROLES.includes(role) || role === 'traceExporterJson';
  const command = required
    ? installCommand(host.line, role === 'traceExporterJson')
    : `npm install ${spec(host.line, role)}`;
  const installed = host.api === undefined ? '' : `, the line of the installed @opentelemetry/api ${host.api}`;
  const on = `OpenTelemetry JS SDK ${host.line}${installed}`;
  return new Error(`${PACKAGE_NAME}/setup needs ${name} (${on}). Install it with: ${command}`, { cause });
}
