// The HTML view in real Chromium: it opens from disk with no console error and no request, shows
// the counts and classifications of its input, renders runs when a group opens, works from the
// keyboard, escapes what it shows, and follows the reader's colour scheme.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLifecycleHtml, spansFromOtlpJson } from '../src/view/index.js';
import { launchChromium, openView, watchedPage, type WatchedPage } from '../support/browser.js';
import { hostRun, setup } from './utils/harness.js';
import { synthFanout } from '../support/otlp-synth.js';
import { ROOT } from './utils/processes.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'otlp-fanout.json');
const dir = mkdtempSync(join(tmpdir(), 'osl-html-'));
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'dist', 'view', 'cli.js'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });

function writeHtml(name: string, html: string): string {
  const file = join(dir, name);
  writeFileSync(file, html);
  return pathToFileURL(file).href;
}

async function open(url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<WatchedPage> {
  const watched = await watchedPage(browser, { colorScheme });
  await openView(watched, url);
  return watched;
}

/** Runs by (classification, summary key), counted from the input's run spans. */
function expectedTable(spans: ReturnType<typeof spansFromOtlpJson>): string[][] {
  const counts = new Map<string, number>();
  for (const s of spans) {
    const c = s.attributes['session_host.close.classification'];
    if (s.name === 'run' && typeof c === 'string') {
      const key = `${c} ${String(s.attributes['session_host.close.summary_key'])}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].map(([key, n]) => [...key.split(' '), String(n)]).sort();
}

/** Opens a group by a click and waits for its rows: the group renders them on its (async) toggle event. */
async function openGroup(page: Page, group: string): Promise<void> {
  await page.click(`${group} summary`);
  await page.waitForSelector(`${group} table.runs tbody tr`);
}

async function closeTable(watched: WatchedPage): Promise<string[][]> {
  return watched.page.$$eval('#close-table tbody tr', (rows) =>
    rows.map((r) => [
      r.getAttribute('data-classification') ?? '',
      r.querySelector('code')!.textContent!,
      r.querySelector('td.runs')!.textContent!,
    ]),
  );
}

describe('the HTML view in Chromium', () => {
  it('opens the recorded fan-out from disk, no console error, no request, the input’s counts', async () => {
    const out = join(dir, 'fanout.html');
    const result = cli(['view', '--html', out, FIXTURE]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`wrote ${out}\n`);
    const url = pathToFileURL(out).href;
    const view = await open(url);
    expect(view.errors).toEqual([]);
    expect(view.requests).toEqual([url]);
    const spans = spansFromOtlpJson(readFileSync(FIXTURE, 'utf8'));
    expect((await closeTable(view)).sort()).toEqual(expectedTable(spans));
    const root = spans.find((s) => s.name === 'lifecycle instance_dispose_all')!;
    const action = view.page.locator('#action-list > li');
    await expect(action.count()).resolves.toBe(1);
    await expect(action.locator('.kind').textContent()).resolves.toBe('instance_dispose_all');
    await expect(action.locator('.aid').textContent()).resolves.toBe(
      root.attributes['session_host.lifecycle.action.id'],
    );
    const facts = Object.fromEntries(
      await action
        .locator('.facts div')
        .evaluateAll((divs) => divs.map((d) => [d.firstChild!.textContent, d.lastChild!.textContent])),
    );
    expect(facts).toMatchObject({
      'runs interrupted': '12',
      scopes: '3',
      'omitted past the cap': '0',
      'runs in these files': '12',
    });
    const groups = await action
      .locator('details.group')
      .evaluateAll((ds) => ds.map((d) => [(d as HTMLElement).dataset.classification, (d as HTMLElement).dataset.runs]));
    expect(groups).toEqual([['local_instance_dispose', '12']]);
    await expect(view.page.locator('#totals').textContent()).resolves.toBe(
      '1 lifecycle action · 12 runs closed · 0 unexplained closes · 25 spans',
    );
    expect(view.page.locator('#unexplained-alert')).toBeDefined();
    await expect(view.page.locator('#unexplained-alert').count()).resolves.toBe(0);
  });

  it('renders a group’s runs when it opens, a page at a time, each linked to its run span and back', async () => {
    const request = synthFanout({ runs: 250, scopes: 5, cap: 200, reason: 'config_changed', origin: 'http' });
    const view = await open(writeHtml('paged.html', renderLifecycleHtml(spansFromOtlpJson(request))));
    const { page } = view;
    await expect(page.locator('table.runs tbody tr').count()).resolves.toBe(0);
    const facts = await page.locator('#action-0 .facts').textContent();
    expect(facts).toContain('reasonconfig_changed');
    expect(facts).toContain('originhttp');
    expect(facts).toContain('omitted past the cap50');
    await openGroup(page, '#action-0 details.group');
    const rows = page.locator('#action-0 table.runs tbody tr');
    await expect(rows.count()).resolves.toBe(100);
    const more = page.locator('#action-0 button.more');
    await expect(more.textContent()).resolves.toBe('Show 100 more (100 of 250 shown)');
    await more.click();
    await more.click();
    await expect(rows.count()).resolves.toBe(250);
    await expect(more.isHidden()).resolves.toBe(true);
    const ids = await page.$$eval('#action-0 table.runs tbody th', (ths) => ths.map((th) => th.textContent));
    expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => `run-${i}`));
    // Runs past the cap have no closed-run child; their run span still names the action.
    await expect(rows.nth(249).locator('td.links').textContent()).resolves.toBe('no closed-run child  ↩ links back');
    await expect(rows.nth(0).locator('td.links').textContent()).resolves.toBe('→ run span  ↩ links back');
    const spans = spansFromOtlpJson(request);
    const run0 = spans.find((s) => s.name === 'run' && s.attributes['session_host.run.id'] === 'run-0')!;
    const action = spans.find((s) => s.name.startsWith('lifecycle '))!;
    await page.click('#action-0 table.runs tbody tr:first-child button.run-id');
    const detail = await page.locator('#action-0 tr.detail').textContent();
    expect(detail).toContain(`${run0.traceId}/${run0.spanId}`);
    expect(detail).toContain(`links back (closed_by) to the action span  ${action.traceId}/${action.spanId}`);
    await page.click('#action-0 tr.detail a');
    await expect(page.evaluate(() => document.activeElement?.closest('li')?.id)).resolves.toBe('action-0');
    expect(view.errors).toEqual([]);
  });

  it('works from the keyboard: Tab to a group, Enter opens it and a run’s details; focus is visible', async () => {
    const view = await open(writeHtml('keys.html', renderLifecycleHtml(spansFromOtlpJson(synthFanout({ runs: 30 })))));
    const { page } = view;
    const focused = () =>
      page.evaluate(
        () => `${document.activeElement?.tagName.toLowerCase()}.${document.activeElement?.className ?? ''}`,
      );
    let reached = '';
    for (let i = 0; i < 20 && reached !== 'summary.'; i++) {
      await page.keyboard.press('Tab');
      reached = await focused();
    }
    expect(reached).toBe('summary.');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.runs tbody tr');
    await expect(page.locator('table.runs tbody tr').count()).resolves.toBe(30);
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe('button.run-id');
    await page.keyboard.press('Enter');
    await expect(page.locator('tr.detail').count()).resolves.toBe(1);
    await expect(page.locator('button.run-id').first().getAttribute('aria-expanded')).resolves.toBe('true');
    await page.keyboard.press('Space');
    await expect(page.locator('tr.detail').count()).resolves.toBe(0);
    expect(view.errors).toEqual([]);
  });

  it('makes unexplained closes stand out by text as well as colour, and follows prefers-color-scheme', async () => {
    const html = renderLifecycleHtml(spansFromOtlpJson(synthFanout({ runs: 4, unexplained: 3 })));
    const url = writeHtml('unexplained.html', html);
    const light = await open(url, 'light');
    await expect(light.page.locator('#unexplained-alert').textContent()).resolves.toMatch(
      /^⚠ 3 closes no lifecycle action explains/,
    );
    const group = light.page.locator('#outside-groups details.group.unexplained');
    await expect(group.getAttribute('open')).resolves.toBe('');
    await expect(group.locator('summary').textContent()).resolves.toContain(
      'UNEXPLAINED: no lifecycle action closed it',
    );
    await expect(group.locator('tbody tr.unexplained').count()).resolves.toBe(3);
    const row = light.page.locator('#close-table tr.unexplained');
    await expect(row.locator('td.runs').textContent()).resolves.toBe('3');
    const dark = await open(url, 'dark');
    const background = (v: WatchedPage) => v.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await expect(background(light)).resolves.toBe('rgb(255, 255, 255)');
    await expect(background(dark)).resolves.toBe('rgb(13, 17, 23)');
    expect([...light.errors, ...dark.errors]).toEqual([]);
  });

  it('escapes HTML in every attribute, in the markup and in the embedded data', async () => {
    const evil = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    const request = synthFanout({
      runs: 2,
      unexplained: 1,
      kind: `k${evil}`,
      runId: (i) => `${evil}-${i}`,
      fingerprint: evil,
    });
    const html = renderLifecycleHtml(spansFromOtlpJson(request), { title: evil, sources: [evil] });
    expect(html).not.toContain('<script>window');
    expect(html).not.toContain('<img');
    expect(html).toContain('\\u003c/script\\u003e');
    const view = await open(writeHtml('evil.html', html));
    const { page } = view;
    await openGroup(page, '#action-0 details.group');
    await expect(page.locator('#action-0 .kind').textContent()).resolves.toBe(`k${evil}`);
    await expect(page.locator('#action-0 table.runs tbody th').first().textContent()).resolves.toBe(`${evil}-0`);
    await expect(page.locator('#action-0 td.fp').first().textContent()).resolves.toBe(evil);
    await expect(page.title()).resolves.toBe(evil);
    await expect(page.evaluate(() => (window as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await expect(page.locator('img').count()).resolves.toBe(0);
    expect(view.errors).toEqual([]);
    expect(view.requests).toHaveLength(1);
  });

  it('keeps a 10,000-run fan-out to a few hundred elements until a group opens, then a page of rows', async () => {
    const view = await open(
      writeHtml('big.html', renderLifecycleHtml(spansFromOtlpJson(synthFanout({ runs: 10_000, cap: 10_000 })))),
    );
    const { page } = view;
    await expect(page.locator('#action-list details.group').getAttribute('data-runs')).resolves.toBe('10000');
    expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(300);
    await openGroup(page, '#action-list details.group');
    await expect(page.locator('table.runs tbody tr').count()).resolves.toBe(100);
    expect(await page.evaluate(() => document.querySelectorAll('*').length)).toBeLessThan(1500);
    expect(view.errors).toEqual([]);
  });

  it('pages long lists of actions too', async () => {
    const h = setup();
    for (let i = 0; i < 120; i++) h.lifecycle.action('instance_reload', () => undefined);
    const { page, errors } = await open(writeHtml('actions.html', renderLifecycleHtml(h.spans())));
    await expect(page.locator('#action-list > li').count()).resolves.toBe(50);
    await page.focus('#more-actions');
    await page.keyboard.press('Enter');
    await page.click('#more-actions');
    await expect(page.locator('#action-list > li').count()).resolves.toBe(120);
    await expect(page.locator('#more-actions').isHidden()).resolves.toBe(true);
    expect(errors).toEqual([]);
  });

  it('says so on a page of its own when the files hold no lifecycle spans', async () => {
    const file = join(dir, 'other.json');
    writeFileSync(
      file,
      JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'GET /' }] }] },
        ],
      }),
    );
    const out = join(dir, 'empty.html');
    const result = cli(['view', '--html', out, file]);
    expect(result.status, result.stderr).toBe(0);
    const view = await open(pathToFileURL(out).href);
    await expect(view.page.locator('#empty').textContent()).resolves.toMatch(/^No lifecycle spans in these files/);
    await expect(view.page.locator('#totals').textContent()).resolves.toBe(
      '0 lifecycle actions · 0 runs closed · 0 unexplained closes · 1 span',
    );
    expect(view.errors).toEqual([]);
  });

  it('shows a host’s lifecycle from SDK spans and its diagnostics snapshot, and writes a screenshot', async () => {
    const h = setup();
    const runs = ['run-1', 'run-2', 'run-3', 'run-4', 'run-5'].map((id, i) =>
      hostRun(h.lifecycle, `/srv/p/${i % 2}`, id),
    );
    await h.lifecycle.action('instance_reload', { scopes: ['/srv/p/0'] }, async () => {
      for (const r of runs.filter((_, i) => i % 2 === 0)) r.controller.abort();
      await Promise.all(runs.filter((_, i) => i % 2 === 0).map((r) => r.ended));
    });
    const lost = hostRun(h.lifecycle, '/srv/p/1', 'run-lost');
    lost.controller.abort(new TypeError('worker died'));
    await lost.ended;
    await h.lifecycle.action('instance_dispose_all', async () => {
      for (const r of runs.filter((_, i) => i % 2 === 1)) r.controller.abort();
      await Promise.all(runs.filter((_, i) => i % 2 === 1).map((r) => r.ended));
    });
    const snapshot = h.lifecycle.snapshot();
    const html = renderLifecycleHtml(
      { spans: h.spans(), snapshots: [snapshot] },
      { sources: ['in-memory spans', 'lifecycle.snapshot()'] },
    );
    const view = await open(writeHtml('host.html', html));
    const { page } = view;
    // The snapshot's closes are the same closes as the spans': each run is shown once.
    await expect(page.locator('#totals').textContent()).resolves.toBe(
      `2 lifecycle actions · 6 runs closed · 1 unexplained close · ${h.spans().length} spans · 1 snapshot`,
    );
    expect((await closeTable(view)).sort()).toEqual([
      ['local_instance_dispose', 'local_instance_dispose.lifecycle_close', '2'],
      ['local_instance_reload', 'local_instance_reload.lifecycle_close', '3'],
      ['unknown_scope_close', 'unknown_scope_close.missing_lifecycle_provenance', '1'],
    ]);
    await expect(page.locator('#snapshot-table tbody tr').count()).resolves.toBe(3);
    await openGroup(page, '#action-0 details.group');
    await page.click('#action-0 button.run-id');
    const shots = join(ROOT, 'demo-output');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'html-view.png'), fullPage: true });
    expect(statSync(join(shots, 'html-view.png')).size).toBeGreaterThan(20_000);
    expect(view.errors).toEqual([]);
  });
});
