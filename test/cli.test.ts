import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './utils/processes.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'otlp-fanout.json');
const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, [join(ROOT, 'dist', 'view', 'cli.js'), ...args], { encoding: 'utf8', input, env: { PATH: process.env.PATH ?? '' } });

describe('otel-session-lifecycle view', () => {
  it('renders the tree and the close table of a recorded OTLP/JSON file', () => {
    const result = cli(['view', FIXTURE, '--no-color']);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^lifecycle instance_dispose_all  instance_dispose_all-[0-9a-z]+-[0-9a-z]+  \d+\.\d ms$/);
    expect(lines.filter((l) => /^  [├└]─ run-\d-\d /.test(l))).toHaveLength(12);
    expect(lines.find((l) => l.startsWith('local_instance_dispose'))).toMatch(/local_instance_dispose\.lifecycle_close\s+12$/);
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });

  it('reads the collector file exporter format from standard input, a repeated export once', () => {
    const body = readFileSync(FIXTURE, 'utf8').trim();
    const result = cli(['view', '-', '--width', '80'], `${body}\n${body}\n`);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('lifecycle instance_dispose_all'))).toHaveLength(1);
    expect(result.stdout).toMatch(/\nlocal_instance_dispose\s+local_instance_dispose\.lifecycle_close\s+12\n/);
    expect(Math.max(...result.stdout.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(80);
  });

  it('fails clearly on a missing file, on data that is not OTLP/JSON, and on bad usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osl-cli-'));
    const missing = cli(['view', join(dir, 'nope.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    expect(missing.stderr).toContain('ENOENT');
    writeFileSync(join(dir, 'metrics.json'), '{"resourceMetrics": []}');
    const wrong = cli(['view', join(dir, 'metrics.json')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('is not OTLP/JSON trace data (not OTLP/JSON trace data: no resourceSpans)');
    for (const args of [[], ['show', FIXTURE], ['view'], ['view', FIXTURE, '--width', 'wide']]) {
      const usage = cli(args);
      expect(usage.status, args.join(' ')).toBe(2);
      expect(usage.stderr).toContain('usage: otel-session-lifecycle view FILE');
    }
    expect(cli(['--help']).status).toBe(0);
  });
});
