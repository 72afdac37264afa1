// `npm run bench:html`: how fast the HTML view of a dispose-all fan-out opens in real Chromium.
// For 1,000 and 10,000 runs (every run with its closed-run child and its own span): the time to
// read the OTLP/JSON and write the page in Node, then, in Chromium, the time from navigation to
// the end of the first render (action rows and groups on screen, the page answering input), to
// the first contentful paint, and to open the biggest group (its first page of rows painted).
// Medians of several loads. Prints a table and writes bench/html-results.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// `read` and `render` are Node's share (OTLP/JSON is verbose: JSON.parse of the file is most of `read`).
// The built package, as users run it (npm run bench:html builds it first).
import { lifecycleDataFromFiles, renderLifecycleHtml } from '../dist/view/index.js';
import { CHROMIUM_PATH, launchChromium, openView, watchedPage } from '../support/browser.js';
import { synthFanout } from '../support/otlp-synth.js';

const SIZES = [1_000, 10_000];
const LOADS = 7;
const GOAL_MS = 1_000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (value: number): number => Math.round(value * 10) / 10;

interface Load {
  firstRenderMs: number;
  firstContentfulPaintMs: number;
  openGroupMs: number;
  elements: number;
}

const dir = mkdtempSync(join(tmpdir(), 'osl-bench-html-'));
const browser = await launchChromium();
const results = [];
try {
  for (const runs of SIZES) {
    const otlp = JSON.stringify(synthFanout({ runs, cap: runs, scopes: 50 }));
    const started = process.hrtime.bigint();
    const data = lifecycleDataFromFiles([{ name: 'fanout.json', text: otlp }]);
    const read = process.hrtime.bigint();
    const html = renderLifecycleHtml(data);
    const readMs = Number(read - started) / 1e6;
    const renderMs = Number(process.hrtime.bigint() - read) / 1e6;
    const file = join(dir, `fanout-${runs}.html`);
    writeFileSync(file, html);
    const loads: Load[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      const view = await watchedPage(browser);
      await openView(view, pathToFileURL(file).href);
      const load = await view.page.evaluate(async () => {
        const firstRenderMs = Number(document.documentElement.dataset.ready);
        const group = document.querySelector('#action-list details.group') as HTMLDetailsElement;
        const before = performance.now();
        group.open = true;
        await new Promise((resolve) => group.addEventListener('toggle', resolve, { once: true }));
        await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
        const openGroupMs = performance.now() - before;
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        return {
          firstRenderMs,
          firstContentfulPaintMs: paint === undefined ? -1 : paint.startTime,
          openGroupMs,
          elements: document.querySelectorAll('*').length,
        };
      });
      if (view.errors.length > 0 || view.requests.length !== 1)
        throw new Error(`page errors or requests: ${view.errors}`);
      await view.page.context().close();
      if (i > 0) loads.push(load); // the first load warms the browser's caches
    }
    results.push({
      runs,
      spans: runs * 2 + 1,
      otlp_bytes: otlp.length,
      html_bytes: Buffer.byteLength(html),
      node_read_ms: round(readMs),
      node_render_ms: round(renderMs),
      first_render_ms: round(median(loads.map((l) => l.firstRenderMs))),
      first_contentful_paint_ms: round(median(loads.map((l) => l.firstContentfulPaintMs))),
      open_group_ms: round(median(loads.map((l) => l.openGroupMs))),
      elements_after_open: loads[0]!.elements,
    });
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}

const chromiumVersion = execFileSync(CHROMIUM_PATH, ['--version'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'ignore'],
}).trim();
const largest = results.at(-1)!;
const report = {
  node: process.version,
  chromium: chromiumVersion,
  cpus: cpus().length,
  // The machine is shared: a high load average means slower, noisier figures.
  load_average_1m: Math.round(loadavg()[0]! * 100) / 100,
  generated: new Date().toISOString(),
  loads_per_size: LOADS,
  goal: { first_render_ms_at_10k: GOAL_MS, met: largest.first_render_ms < GOAL_MS },
  cases: results,
};
writeFileSync(new URL('./html-results.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
const pad = (v: unknown, n: number) => String(v).padStart(n);
process.stdout.write(
  `HTML view in ${chromiumVersion}, ${cpus().length} cpus (load ${report.load_average_1m}), median of ${LOADS} loads\n`,
);
process.stdout.write(
  '    runs  OTLP MB  html KB  read ms  render ms  first render ms  first paint ms  open group ms\n',
);
for (const r of results) {
  const kb = Math.round(r.html_bytes / 1024);
  const mb = (r.otlp_bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `${pad(r.runs, 8)}${pad(mb, 9)}${pad(kb, 9)}${pad(r.node_read_ms, 9)}${pad(r.node_render_ms, 11)}` +
      `${pad(r.first_render_ms, 17)}${pad(r.first_contentful_paint_ms, 16)}${pad(r.open_group_ms, 15)}\n`,
  );
}
process.stdout.write(`goal: first render of 10,000 runs under ${GOAL_MS} ms: ${report.goal.met ? 'met' : 'NOT met'}\n`);
process.stdout.write('wrote bench/html-results.json\n');
