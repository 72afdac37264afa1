// A self-contained HTML view of lifecycle traces: one file with inline style, data and script that
// opens from disk and makes no network request (its Content-Security-Policy allows none). The
// close table is plain markup; action rows and run rows are rendered by the inline script from
// the embedded view model, on demand, so a fan-out of 10,000 runs opens at once.
import { createHash } from 'node:crypto';
import { escapeHtml, jsonForScript } from './html-escape.js';
import { CLIENT_SCRIPT } from './html-script.js';
import { STYLE } from './html-style.js';
import { labelOf, UNKNOWN_SCOPE_CLOSE } from './labels.js';
import { viewModelOf, type LifecycleViewInput, type ViewModel } from './model.js';

export interface HtmlViewOptions {
  /** The page's title (default `Session lifecycle`). */
  title?: string;
  /** Names of the files the data was read from, shown under the title. */
  sources?: readonly string[];
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

function badge(classification: string): string {
  const label = labelOf(classification);
  const cls = label === undefined ? 'c-other' : `c-${classification}`;
  const text = label === undefined ? '' : `<span class="label">${escapeHtml(label.text)}</span>`;
  const symbol = escapeHtml(label?.symbol ?? '•');
  return (
    `<span class="badge ${cls}"><span class="sym" aria-hidden="true">${symbol}</span>` +
    `<span class="token">${escapeHtml(classification || '(none)')}</span>${text}</span>`
  );
}

function closeTable(model: ViewModel): string {
  if (model.table.length === 0) return '<p class="note">No run closes in these files.</p>';
  const rows = model.table.map((row) => {
    const share = model.totals.runs === 0 ? 0 : (100 * row.runs) / model.totals.runs;
    const unexplained = row.classification === UNKNOWN_SCOPE_CLOSE ? ' class="unexplained"' : '';
    return (
      `<tr${unexplained} data-classification="${escapeHtml(row.classification)}">` +
      `<td>${badge(row.classification)}</td><td><code>${escapeHtml(row.summaryKey || '–')}</code></td>` +
      `<td class="num runs">${row.runs}</td><td class="num">${share.toFixed(1)}%</td></tr>`
    );
  });
  return (
    '<table class="summary" id="close-table"><thead><tr><th scope="col">classification</th>' +
    '<th scope="col">summary key</th><th scope="col" class="num">runs</th><th scope="col" class="num">share</th>' +
    `</tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function snapshotTable(model: ViewModel): string {
  if (model.snapshotTotals.length === 0) return '';
  const rows = model.snapshotTotals.map(([c, n]) => `<tr><td>${badge(c)}</td><td class="num">${n}</td></tr>`).join('');
  return (
    '<h2>Closes since start (diagnostics snapshot)</h2><table class="summary" id="snapshot-table">' +
    '<thead><tr><th scope="col">classification</th><th scope="col" class="num">closes</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>`
  );
}

function body(model: ViewModel, options: HtmlViewOptions): string {
  const t = model.totals;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const facts = [
    plural(t.actions, 'lifecycle action', 'lifecycle actions'),
    plural(t.runs, 'run closed', 'runs closed'),
    plural(t.unexplained, 'unexplained close', 'unexplained closes'),
    plural(t.spans, 'span', 'spans'),
  ];
  if (t.snapshots > 0) facts.push(plural(t.snapshots, 'snapshot', 'snapshots'));
  const sources =
    options.sources === undefined || options.sources.length === 0
      ? ''
      : `<p class="sources">from ${options.sources.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>`;
  const header =
    `<header><h1>${escapeHtml(options.title ?? 'Session lifecycle')}</h1>` +
    `<p class="meta" id="totals">${facts.join(' · ')}</p>${sources}</header>`;
  if (t.actions === 0 && t.runs === 0) {
    return (
      `${header}<main><p class="empty" role="status" id="empty">No lifecycle spans in these files: ` +
      'no lifecycle actions and no run closes. The view shows spans named <code>lifecycle &lt;kind&gt;</code>, ' +
      '<code>run closed</code>, and run spans with a <code>session_host.close.classification</code>.</p></main>'
    );
  }
  const alert =
    t.unexplained === 0
      ? ''
      : '<p class="alert" role="note" id="unexplained-alert"><strong>⚠ ' +
        `${plural(t.unexplained, 'close', 'closes')} no lifecycle action explains</strong> ` +
        '(<code>unknown_scope_close</code>): the scope closed and no reload, dispose or host-defined action ' +
        'was found for the run.</p>';
  const outside =
    model.outside.length === 0
      ? ''
      : '<section aria-labelledby="outside-title">' +
        '<h2 id="outside-title">Closes outside any lifecycle action</h2><div id="outside-groups"></div></section>';
  return (
    `${header}<main>${alert}<section aria-labelledby="table-title"><h2 id="table-title">Run closes</h2>` +
    `${closeTable(model)}</section>${snapshotTable(model)}` +
    `<section aria-labelledby="actions-title"><h2 id="actions-title">Lifecycle actions (${t.actions})</h2>` +
    '<ol class="actions" id="action-list"></ol><button type="button" class="more" id="more-actions" hidden></button>' +
    `</section>${outside}<noscript><p class="note">The action and run rows need JavaScript; ` +
    'the close table above is complete.</p></noscript></main>'
  );
}

/**
 * One self-contained HTML page showing lifecycle actions, their closed runs grouped by
 * classification (expandable to each run and its span links), the closes no action explains,
 * and a close table. No network requests, no external files: open it from disk.
 */
export function renderLifecycleHtml(input: LifecycleViewInput, options: HtmlViewOptions = {}): string {
  const model = viewModelOf(input, 'renderLifecycleHtml');
  const csp =
    `default-src 'none'; script-src ${sha256(CLIENT_SCRIPT)}; style-src ${sha256(STYLE)}; ` +
    "img-src 'none'; base-uri 'none'; form-action 'none'";
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark">' +
    `<title>${escapeHtml(options.title ?? 'Session lifecycle')}</title><style>${STYLE}</style></head><body>\n` +
    body(model, options) +
    '\n<footer>otel-session-lifecycle view: opened from disk, no network requests.</footer>\n' +
    `<script type="application/json" id="lifecycle-data">${jsonForScript(model)}</script>\n` +
    `<script>${CLIENT_SCRIPT}</script>\n</body></html>\n`
  );
}
