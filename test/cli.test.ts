import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthFanout } from '../support/otlp-synth.js';
import { ROOT } from './utils/processes.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'otlp-fanout.json');
const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, [join(ROOT, 'dist', 'view', 'cli.js'), ...args], {
    encoding: 'utf8',
    input,
    env: { PATH: process.env.PATH ?? '' },
  });

describe('otel-session-lifecycle view', () => {
  it('renders the tree and the close table of a recorded OTLP/JSON file', () => {
    const result = cli(['view', FIXTURE, '--no-color']);
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^lifecycle instance_dispose_all {2}instance_dispose_all-[0-9a-z]+-[0-9a-z]+ {2}\d+\.\d ms$/,
    );
    expect(lines.filter((l) => /^ {2}[├└]─ run-\d-\d /.test(l))).toHaveLength(12);
    expect(lines.find((l) => l.startsWith('local_instance_dispose'))).toMatch(
      /local_instance_dispose\.lifecycle_close\s+12$/,
    );
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
    expect(wrong.stderr).toBe(
      `otel-session-lifecycle: ${join(dir, 'metrics.json')} is not OTLP/JSON trace data (no resourceSpans) nor a snapshot\n`,
    );
    for (const args of [
      [],
      ['show', FIXTURE],
      ['view'],
      ['view', FIXTURE, '--width', 'wide'],
      ['view', '-', '-'],
      ['view', FIXTURE, '--colour'],
    ]) {
      const usage = cli(args);
      expect(usage.status, args.join(' ')).toBe(2);
      expect(usage.stderr).toContain('usage: otel-session-lifecycle view FILE');
    }
    expect(cli(['--help']).status).toBe(0);
  });

  it('makes one view of several files, a span found in two of them once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osl-cli-'));
    const other = join(dir, 'reload.json');
    writeFileSync(other, JSON.stringify(synthFanout({ runs: 3, kind: 'instance_reload' })));
    const result = cli(['view', FIXTURE, other, FIXTURE, '--no-color']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('lifecycle '))).toHaveLength(2);
    expect(result.stdout).toMatch(/^local_instance_dispose\s+local_instance_dispose\.lifecycle_close\s+12$/m);
    expect(result.stdout).toMatch(/^known_lifecycle_close\s+known_lifecycle_close\.lifecycle_close\s+3$/m);
  });

  it('reads standard input without a trailing newline, as one document or as JSON lines', () => {
    const body = JSON.stringify(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    for (const input of [body, `${body}\n${body}`, readFileSync(FIXTURE, 'utf8').trimEnd()]) {
      const result = cli(['view', '-', '--no-color'], input);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^local_instance_dispose\s+local_instance_dispose\.lifecycle_close\s+12$/m);
    }
  });

  it('says in one line that a truncated file is truncated, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osl-cli-'));
    const text = readFileSync(FIXTURE, 'utf8');
    const cases: Array<[string, string]> = [
      ['pretty.json', text.slice(0, 2000)],
      ['compact.json', JSON.stringify(JSON.parse(text)).slice(0, 2000)],
      ['lines.json', `${JSON.stringify(JSON.parse(text))}\n${JSON.stringify(JSON.parse(text)).slice(0, 500)}`],
    ];
    for (const [name, cut] of cases) {
      writeFileSync(join(dir, name), cut);
      const result = cli(['view', join(dir, name)]);
      expect(result.status, name).toBe(1);
      expect(result.stderr.trimEnd().split('\n'), name).toHaveLength(1);
      expect(result.stderr, name).toMatch(
        new RegExp(`^otel-session-lifecycle: .*${name} is not OTLP/JSON trace data \\(.*truncated`),
      );
    }
    const html = cli(['view', '--html', join(dir, 'out.html'), join(dir, 'pretty.json')]);
    expect(html.status).toBe(1);
    expect(() => readFileSync(join(dir, 'out.html'))).toThrow(/ENOENT/);
  });

  it('shows a diagnostics snapshot, and says so when a file holds no lifecycle spans (exit 0)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'osl-cli-'));
    const snapshot = {
      schema_version: 1,
      taken_at: '2026-12-01T10:00:00.000Z',
      recent_closes: [
        {
          at: '2026-12-01T09:59:00.000Z',
          run_id: 'r-1',
          scope_key: 'dir:0123456789abcdef',
          classification: 'unknown_scope_close',
          summary_key: 'unknown_scope_close.missing_lifecycle_provenance',
          run_duration_ms: 5,
        },
        {
          at: '2026-12-01T09:59:01.000Z',
          run_id: 'r-2',
          scope_key: 'dir:0123456789abcdef',
          classification: 'local_instance_reload',
          summary_key: 'local_instance_reload.lifecycle_close',
          action_id: 'instance_reload-a-1',
          kind: 'instance_reload',
          run_duration_ms: 9,
        },
      ],
      closes_by_classification: { unknown_scope_close: 1, local_instance_reload: 1 },
    };
    writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(snapshot, null, 2));
    const text = cli(['view', join(dir, 'snapshot.json')]);
    expect(text.status, text.stderr).toBe(0);
    // The terminal shows the snapshot's closes as the HTML page does, then the snapshot itself.
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('lifecycle instance_reload  instance_reload-a-1  –');
    expect(
      lines.filter((l) => /^ {2}└─ r-2 +local_instance_reload +– +snapshot close {2}run 9\.0 ms$/.test(l)),
    ).toHaveLength(1);
    expect(text.stdout).toContain('closes no action explains (unknown_scope_close): 1\n  ✗ r-1 ');
    expect(text.stdout).toMatch(/^local_instance_reload\s+local_instance_reload\.lifecycle_close\s+1$/m);
    expect(text.stdout).toMatch(/^unknown_scope_close\s+unknown_scope_close\.missing_lifecycle_provenance\s+1$/m);
    expect(lines.at(-2)).toBe(
      'diagnostics snapshot taken 2026-12-01T10:00:00.000Z: 2 recent closes (unknown_scope_close=1 local_instance_reload=1)',
    );
    const page = cli(['view', '--html', join(dir, 'snapshot.html'), join(dir, 'snapshot.json')]);
    expect(page.status, page.stderr).toBe(0);
    const html = readFileSync(join(dir, 'snapshot.html'), 'utf8');
    expect(html).toContain(
      '<p class="meta" id="totals">1 lifecycle action · 2 runs closed · 1 unexplained close · 0 spans · 1 snapshot</p>',
    );
    writeFileSync(
      join(dir, 'http.json'),
      JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'GET /' }] }] },
        ],
      }),
    );
    const none = cli(['view', join(dir, 'http.json'), '--no-color']);
    expect(none.status).toBe(0);
    expect(none.stdout).toContain('no lifecycle actions and no unexplained closes in these spans');
    const unwritable = cli(['view', '--html', join(dir, 'no', 'such', 'dir.html'), join(dir, 'http.json')]);
    expect(unwritable.status).toBe(1);
    expect(unwritable.stderr).toMatch(/^otel-session-lifecycle: cannot write .*dir\.html: ENOENT\n$/);
  });
});
