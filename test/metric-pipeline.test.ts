// The set-up's metrics step: which exporters OTEL_METRICS_EXPORTER names, and where the Prometheus
// endpoint listens: loopback unless OTEL_EXPORTER_PROMETHEUS_HOST names another address.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import * as metricsSdk from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { detectLine } from '../src/sdk/lines.js';
import { metricExporterNames, metricReaders, prometheusOptions } from '../src/sdk/metric-pipeline.js';
import { captureDiag } from './utils/harness.js';
import { eventually } from './utils/processes.js';
import { freePort } from '../support/net.js';

type Reader = Awaited<ReturnType<typeof metricReaders>>[number];
let readers: Reader[] = [];
afterEach(async () => {
  await Promise.all(readers.map((r) => r.shutdown()));
  readers = [];
});

/** Resolves `true` when a TCP connection to host:port is accepted, `false` when it is refused. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** This machine's first address that is not loopback (the one a scraper on another host would use). */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
}

async function prometheusOn(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  readers = await metricReaders(detectLine(), metricsSdk, { ...env, OTEL_EXPORTER_PROMETHEUS_PORT: String(port) }, [
    'prometheus',
  ]);
  await eventually(async () => ((await accepts('127.0.0.1', port)) ? true : undefined), 10_000, 'the endpoint up');
  return port;
}

describe('metricExporterNames', () => {
  it('reads a comma-separated, case-insensitive list and leaves out none', () => {
    expect(metricExporterNames({})).toEqual([]);
    expect(metricExporterNames({ OTEL_METRICS_EXPORTER: 'none' })).toEqual([]);
    expect(metricExporterNames({ OTEL_METRICS_EXPORTER: ' Prometheus, otlp ,none' })).toEqual(['prometheus', 'otlp']);
  });
});

describe('the Prometheus endpoint', () => {
  it('listens on 127.0.0.1 by default, on the address OTEL_EXPORTER_PROMETHEUS_HOST names otherwise', () => {
    expect(prometheusOptions({})).toEqual({ host: '127.0.0.1' });
    expect(prometheusOptions({ OTEL_EXPORTER_PROMETHEUS_HOST: ' ' })).toEqual({ host: '127.0.0.1' });
    expect(
      prometheusOptions({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', OTEL_EXPORTER_PROMETHEUS_PORT: '9465' }),
    ).toEqual({ host: '0.0.0.0', port: 9465 });
  });

  const external = externalAddress();
  it('is not reachable from another interface by default', async () => {
    expect(external, 'this test needs a non-loopback IPv4 interface').toBeDefined();
    const port = await prometheusOn({});
    expect(await accepts(external!, port)).toBe(false);
  });

  it('is reachable from another interface with OTEL_EXPORTER_PROMETHEUS_HOST=0.0.0.0', async () => {
    expect(external, 'this test needs a non-loopback IPv4 interface').toBeDefined();
    const port = await prometheusOn({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' });
    expect(await accepts(external!, port)).toBe(true);
  });

  it('reports an exporter name it does not support on diag, and starts no reader for it', async () => {
    const diag = captureDiag();
    try {
      expect(await metricReaders(detectLine(), metricsSdk, {}, ['statsd'])).toEqual([]);
      expect(diag.lines.filter((l) => l.includes('OTEL_METRICS_EXPORTER=statsd is not supported'))).toHaveLength(1);
    } finally {
      diag.restore();
    }
  });
});
