// The HTML view's page script: reads the view model (model.ts) from the page's JSON element and
// renders action rows, a page at a time, and a group's run rows only when the group is opened, a
// page at a time, so a fan-out of 10,000 runs costs a few hundred DOM nodes until someone looks.
// Everything goes through textContent and DOM properties: no input text is ever parsed as HTML.
// It runs in the browser: type-checked with the DOM library (tsconfig.page.json), bundled into one
// inline script at build (html-script.ts), and it reads run rows by the names of row.ts only.
import { labelOf, UNKNOWN_SCOPE_CLOSE } from '../labels.js';
import type { ViewAction, ViewModel } from '../model.js';
import { BACK, ROW, VIA, type RunRow } from '../row.js';
import type { ViewGroup } from '../run-rows.js';

const RUN_PAGE = 100;
const ACTION_PAGE = 50;
const EVIDENCE: Readonly<Record<number, string>> = {
  [VIA.childAndRun]: 'closed-run span and run span',
  [VIA.childOnly]: 'closed-run span only: the run span is in none of these files',
  [VIA.runOnly]: 'run span only: no closed-run child (past the fan-out cap, or not exported)',
  [VIA.snapshot]: 'diagnostics snapshot close',
};

const root = document.documentElement;
const data = JSON.parse(document.getElementById('lifecycle-data')?.textContent ?? 'null') as ViewModel;
const S = data.strings;
const text = (index: number): string => S[index] ?? '';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, content?: string) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}
function duration(ms: number): string {
  if (ms < 0) return '–';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const short = (trace: string, span: string): string => `${trace.slice(0, 8)}…/${span.slice(0, 8)}…`;

function badge(classification: string, withLabel: boolean): HTMLElement {
  const label = labelOf(classification);
  const b = el('span', `badge ${label ? `c-${classification}` : 'c-other'}`);
  const sym = el('span', 'sym', label ? label.symbol : '•');
  sym.setAttribute('aria-hidden', 'true');
  b.append(sym, el('span', 'token', classification || '(none)'));
  if (withLabel && label) b.append(el('span', 'label', label.text));
  return b;
}
function fact(list: HTMLElement, name: string, value: string | number): void {
  const div = el('div');
  div.append(el('dt', '', name), el('dd', '', String(value)));
  list.append(div);
}
function cell(row: HTMLElement, content: string, className?: string): HTMLElement {
  const td = el('td', className ?? '', content);
  if (className === 'fp') td.title = content;
  row.append(td);
  return td;
}
function goToAction(index: number): void {
  const heading = document.querySelector<HTMLElement>(`#action-${index} h3`);
  if (!heading) return;
  heading.scrollIntoView({ block: 'start' });
  heading.focus();
}

function linkState(r: RunRow, inAction: boolean): string {
  const via = r[ROW.via];
  if (via === VIA.snapshot) return 'snapshot close';
  if (!inAction) return 'no lifecycle action';
  const parts = [
    via === VIA.runOnly ? 'no closed-run child' : via === VIA.childOnly ? '→ run span not in files' : '→ run span',
  ];
  if (r[ROW.back] === BACK.linked) parts.push('↩ links back');
  else if (r[ROW.back] === BACK.missing) parts.push('✗ no link back');
  return parts.join('  ');
}

function detailRow(r: RunRow, actionIndex: number, action: ViewAction | null): HTMLElement {
  const tr = el('tr', 'detail');
  const td = el('td');
  td.colSpan = 8;
  const dl = el('dl');
  const item = (name: string, value: string): void => dl.append(el('dt', '', name), el('dd', '', value));
  item('run id', r[ROW.runId] || '(none)');
  item('evidence', EVIDENCE[r[ROW.via]] ?? '');
  const closed = r[ROW.closedTrace] < 0 ? '' : `${text(r[ROW.closedTrace])}/${r[ROW.closedSpan]}`;
  item('closed-run span', closed === '' ? 'not in these files' : `${closed}  (link closed_run → run span)`);
  const outcome = `  (outcome ${text(r[ROW.outcome]) || '–'})`;
  const run = r[ROW.runTrace] < 0 ? '' : `${text(r[ROW.runTrace])}/${r[ROW.runSpan]}`;
  const found = r[ROW.via] === VIA.childOnly ? '  (linked; not in these files)' : outcome;
  item('run span', run === '' ? 'not in these files' : run + found);
  const back =
    r[ROW.back] === BACK.linked
      ? 'links back (closed_by) to the action span'
      : r[ROW.back] === BACK.missing
        ? 'no link back to the action span'
        : '–';
  item('link back', back + (action?.ref ? `  ${action.ref}` : ''));
  item('summary key', text(r[ROW.summaryKey]) || '–');
  td.append(dl);
  if (actionIndex >= 0) {
    const a = el('a', '', `↑ Go to the action ${action ? action.id : ''}`);
    a.href = `#action-${actionIndex}`;
    a.addEventListener('click', (event) => {
      event.preventDefault();
      goToAction(actionIndex);
    });
    td.append(a);
  }
  tr.append(td);
  return tr;
}

function runRow(r: RunRow, classification: string, actionIndex: number, action: ViewAction | null): HTMLElement {
  const tr = el('tr', classification === UNKNOWN_SCOPE_CLOSE ? 'unexplained' : '');
  const th = el('th');
  th.scope = 'row';
  const toggle = el('button', 'run-id', r[ROW.runId] || '(no run id)');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.title = 'Show the spans and links of this run';
  th.append(toggle);
  tr.append(th);
  cell(tr, text(r[ROW.session]) || '–');
  cell(tr, text(r[ROW.scope]) || '–', 'mono');
  cell(tr, duration(r[ROW.runMs]), 'num');
  cell(tr, duration(r[ROW.stopMs]), 'num');
  cell(tr, text(r[ROW.fingerprint]) || '–', 'fp');
  cell(tr, text(r[ROW.provenance]) || '–');
  const links = cell(tr, linkState(r, actionIndex >= 0), 'links');
  if (r[ROW.runTrace] >= 0) links.title = `run span ${short(text(r[ROW.runTrace]), r[ROW.runSpan])}`;
  let detail: HTMLElement | null = null;
  toggle.addEventListener('click', () => {
    if (detail) {
      detail.remove();
      detail = null;
    } else {
      detail = detailRow(r, actionIndex, action);
      tr.after(detail);
    }
    toggle.setAttribute('aria-expanded', detail ? 'true' : 'false');
  });
  return tr;
}

function runTable(container: HTMLElement, group: ViewGroup, actionIndex: number, action: ViewAction | null): void {
  const wrap = el('div', 'runs-wrap');
  const table = el('table', 'runs');
  const head = el('tr');
  ['run id', 'session', 'scope key', 'run', 'stop', 'fingerprint', 'provenance', 'links'].forEach((name, i) => {
    const th = el('th', i === 3 || i === 4 ? 'num' : '', name);
    th.scope = 'col';
    head.append(th);
  });
  const thead = el('thead');
  thead.append(head);
  const body = el('tbody');
  table.append(thead, body);
  wrap.append(table);
  const more = el('button', 'more');
  more.type = 'button';
  let shown = 0;
  const page = (): void => {
    const end = Math.min(group.rows.length, shown + RUN_PAGE);
    const rows = document.createDocumentFragment();
    for (; shown < end; shown++) rows.append(runRow(group.rows[shown]!, group.classification, actionIndex, action));
    body.append(rows);
    const left = group.rows.length - shown;
    more.hidden = left === 0;
    more.textContent = `Show ${Math.min(RUN_PAGE, left)} more (${shown} of ${group.rows.length} shown)`;
  };
  more.addEventListener('click', page);
  container.append(wrap, more);
  page();
}

function groupElement(group: ViewGroup, actionIndex: number, action: ViewAction | null): HTMLElement {
  const unexplained = group.classification === UNKNOWN_SCOPE_CLOSE;
  const details = el('details', `group${unexplained ? ' unexplained' : ''}`);
  details.dataset.classification = group.classification;
  details.dataset.runs = String(group.rows.length);
  const summary = el('summary');
  summary.append(badge(group.classification, true), el('span', 'count', plural(group.rows.length, 'run', 'runs')));
  details.append(summary);
  const render = (): void => {
    if (details.open && !details.dataset.rendered) {
      details.dataset.rendered = 'true';
      runTable(details, group, actionIndex, action);
    }
  };
  details.addEventListener('toggle', render);
  // Unexplained closes outside any action start open, their first rows part of the first render.
  if (unexplained && actionIndex < 0) {
    details.open = true;
    render();
  }
  return details;
}

function timeline(a: ViewAction): HTMLElement {
  const line = el('div', 'timeline');
  line.setAttribute('aria-hidden', 'true');
  const bar = el('span', 'bar');
  bar.style.left = `${((a.start - data.start) / (data.end - data.start)) * 100}%`;
  bar.style.width = `${(Math.max(0, a.durationMs) / (data.end - data.start)) * 100}%`;
  line.append(bar);
  return line;
}

function actionItem(a: ViewAction, index: number): HTMLElement {
  const li = el('li', `action${a.ref ? '' : ' missing'}`);
  li.id = `action-${index}`;
  li.dataset.actionId = a.id;
  const h = el('h3');
  h.tabIndex = -1;
  h.append(el('span', 'kind', a.kind), el('code', 'aid', a.id));
  li.append(h);
  const facts = el('dl', 'facts');
  const runs = a.groups.reduce((n, g) => n + g.rows.length, 0);
  if (a.start >= 0 && a.ref) fact(facts, 'started', `+${duration(a.start - data.start)}`);
  fact(facts, 'took', duration(a.durationMs));
  fact(facts, 'scopes', a.scopeKeys.length);
  fact(facts, 'runs interrupted', a.interrupted);
  fact(facts, 'omitted past the cap', a.omitted);
  fact(facts, 'runs in these files', runs);
  if (a.reason) fact(facts, 'reason', a.reason);
  if (a.origin) fact(facts, 'origin', a.origin);
  if (a.outcome) fact(facts, 'outcome', a.outcome);
  li.append(facts);
  if (a.start >= 0 && a.ref && data.end > data.start) li.append(timeline(a));
  if (!a.ref) li.append(el('p', 'note', 'The action span is in none of these files; it is known from its runs.'));
  if (a.scopeKeys.length > 0) {
    const rest = a.scopeKeys.length - 6;
    const keys = a.scopeKeys.slice(0, 6).join('  ') + (rest > 0 ? `  (+${rest})` : '');
    li.append(el('p', 'scopes mono', `scope keys  ${keys}`));
  }
  for (const g of a.groups) li.append(groupElement(g, index, a));
  return li;
}

function renderActions(): void {
  const list = document.getElementById('action-list');
  const more = document.getElementById('more-actions');
  if (!list || !more) return;
  let shown = 0;
  const page = (): void => {
    const end = Math.min(data.actions.length, shown + ACTION_PAGE);
    const items = document.createDocumentFragment();
    for (; shown < end; shown++) items.append(actionItem(data.actions[shown]!, shown));
    list.append(items);
    const left = data.actions.length - shown;
    more.hidden = left === 0;
    more.textContent = `Show ${Math.min(ACTION_PAGE, left)} more actions (${shown} of ${data.actions.length} shown)`;
  };
  more.addEventListener('click', page);
  page();
}

function renderOutside(): void {
  const box = document.getElementById('outside-groups');
  if (!box) return;
  for (const g of data.outside) box.append(groupElement(g, -1, null));
}

renderActions();
renderOutside();
root.dataset.ready = performance.now().toFixed(1);
