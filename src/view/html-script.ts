// The HTML view's inline script: reads the view model (model.ts) from the page's JSON element and
// renders action rows, a page at a time, and a group's run rows only when the group is opened,
// a page at a time, so a fan-out of 10,000 runs costs a few hundred DOM nodes until someone looks.
// Everything goes through textContent and DOM properties: no input text is ever parsed as HTML.
// Plain ES2020 in a string: it runs in the browser, not in Node. Row layout: RunRow in model.ts.

export const CLIENT_SCRIPT = `(function () {
'use strict';
var root = document.documentElement;
var data = JSON.parse(document.getElementById('lifecycle-data').textContent);
var LABELS = JSON.parse(document.getElementById('lifecycle-labels').textContent);
var S = data.strings;
var RUN_PAGE = 100;
var ACTION_PAGE = 50;
var UNKNOWN = 'unknown_scope_close';
var VIA = ['closed-run span and run span', 'closed-run span only: the run span is in none of these files',
  'run span only: no closed-run child (past the fan-out cap, or not exported)', 'diagnostics snapshot close'];

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
function duration(ms) {
  if (ms < 0) return '–';
  return ms >= 1000 ? (ms / 1000).toFixed(2) + ' s' : ms.toFixed(1) + ' ms';
}
function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }
function short(trace, span) { return trace.slice(0, 8) + '…/' + span.slice(0, 8) + '…'; }
function badge(classification, withLabel) {
  var label = Object.prototype.hasOwnProperty.call(LABELS, classification) ? LABELS[classification] : null;
  var b = el('span', 'badge ' + (label ? 'c-' + classification : 'c-other'));
  var sym = el('span', 'sym', label ? label.symbol : '•');
  sym.setAttribute('aria-hidden', 'true');
  b.append(sym, el('span', 'token', classification || '(none)'));
  if (withLabel && label) b.append(el('span', 'label', label.text));
  return b;
}
function fact(list, name, value) {
  var div = el('div');
  div.append(el('dt', '', name), el('dd', '', String(value)));
  list.append(div);
}
function cell(row, text, className) {
  var td = el('td', className || '', text);
  if (className === 'fp') td.title = text;
  row.append(td);
  return td;
}
function goToAction(index) {
  var heading = document.querySelector('#action-' + index + ' h3');
  if (!heading) return;
  heading.scrollIntoView({ block: 'start' });
  heading.focus();
}

function linkState(r, inAction) {
  if (r[14] === 3) return 'snapshot close';
  if (!inAction) return 'no lifecycle action';
  var parts = [];
  parts.push(r[14] === 2 ? 'no closed-run child' : r[14] === 1 ? '→ run span not in files' : '→ run span');
  if (r[13] === 1) parts.push('↩ links back');
  else if (r[13] === 0) parts.push('✗ no link back');
  return parts.join('  ');
}

function detailRow(r, actionIndex, action) {
  var tr = el('tr', 'detail');
  var td = el('td');
  td.colSpan = 8;
  var dl = el('dl');
  function item(name, value) { dl.append(el('dt', '', name), el('dd', '', value)); }
  item('run id', r[0] || '(none)');
  item('evidence', VIA[r[14]] || '');
  item('closed-run span', r[9] < 0 ? 'not in these files' : S[r[9]] + '/' + r[10] + '  (link closed_run → run span)');
  var outcome = '  (outcome ' + (S[r[8]] || '–') + ')';
  item('run span', r[11] < 0 ? 'not in these files' : S[r[11]] + '/' + r[12] + outcome);
  var back = r[13] === 1 ? 'links back (closed_by) to the action span'
    : r[13] === 0 ? 'no link back to the action span' : '–';
  item('link back', back + (action && action.ref ? '  ' + action.ref : ''));
  item('summary key', S[r[7]] || '–');
  td.append(dl);
  if (actionIndex >= 0) {
    var a = el('a', '', '↑ Go to the action ' + (action ? action.id : ''));
    a.href = '#action-' + actionIndex;
    a.addEventListener('click', function (event) { event.preventDefault(); goToAction(actionIndex); });
    td.append(a);
  }
  tr.append(td);
  return tr;
}

function runRow(r, classification, actionIndex, action) {
  var tr = el('tr', classification === UNKNOWN ? 'unexplained' : '');
  var th = el('th');
  th.scope = 'row';
  var toggle = el('button', 'run-id', r[0] || '(no run id)');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.title = 'Show the spans and links of this run';
  th.append(toggle);
  tr.append(th);
  cell(tr, S[r[1]] || '–');
  cell(tr, S[r[2]] || '–', 'mono');
  cell(tr, duration(r[3]), 'num');
  cell(tr, duration(r[4]), 'num');
  cell(tr, S[r[5]] || '–', 'fp');
  cell(tr, S[r[6]] || '–');
  var links = cell(tr, linkState(r, actionIndex >= 0), 'links');
  if (r[11] >= 0) links.title = 'run span ' + short(S[r[11]], r[12]);
  var detail = null;
  toggle.addEventListener('click', function () {
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

function runTable(container, group, actionIndex, action) {
  var wrap = el('div', 'runs-wrap');
  var table = el('table', 'runs');
  var head = el('tr');
  ['run id', 'session', 'scope key', 'run', 'stop', 'fingerprint', 'provenance', 'links'].forEach(function (name, i) {
    var th = el('th', i === 3 || i === 4 ? 'num' : '', name);
    th.scope = 'col';
    head.append(th);
  });
  var thead = el('thead');
  thead.append(head);
  var body = el('tbody');
  table.append(thead, body);
  wrap.append(table);
  var more = el('button', 'more');
  more.type = 'button';
  var shown = 0;
  function page() {
    var end = Math.min(group.rows.length, shown + RUN_PAGE);
    var rows = document.createDocumentFragment();
    for (; shown < end; shown++) rows.append(runRow(group.rows[shown], group.classification, actionIndex, action));
    body.append(rows);
    var left = group.rows.length - shown;
    more.hidden = left === 0;
    more.textContent = 'Show ' + Math.min(RUN_PAGE, left) + ' more (' + shown + ' of ' + group.rows.length + ' shown)';
  }
  more.addEventListener('click', page);
  container.append(wrap, more);
  page();
}

function groupElement(group, actionIndex, action) {
  var unexplained = group.classification === UNKNOWN;
  var details = el('details', 'group' + (unexplained ? ' unexplained' : ''));
  details.dataset.classification = group.classification;
  details.dataset.runs = String(group.rows.length);
  var summary = el('summary');
  summary.append(badge(group.classification, true), el('span', 'count', plural(group.rows.length, 'run', 'runs')));
  details.append(summary);
  function render() {
    if (details.open && !details.dataset.rendered) {
      details.dataset.rendered = 'true';
      runTable(details, group, actionIndex, action);
    }
  }
  details.addEventListener('toggle', render);
  // Unexplained closes outside any action start open, their first rows part of the first render.
  if (unexplained && actionIndex < 0) {
    details.open = true;
    render();
  }
  return details;
}

function actionItem(a, index) {
  var li = el('li', 'action' + (a.ref ? '' : ' missing'));
  li.id = 'action-' + index;
  li.dataset.actionId = a.id;
  var h = el('h3');
  h.tabIndex = -1;
  h.append(el('span', 'kind', a.kind), el('code', 'aid', a.id));
  li.append(h);
  var facts = el('dl', 'facts');
  var runs = 0;
  a.groups.forEach(function (g) { runs += g.rows.length; });
  if (a.start >= 0 && a.ref) fact(facts, 'started', '+' + duration(a.start - data.start));
  fact(facts, 'took', duration(a.durationMs));
  fact(facts, 'scopes', a.scopeKeys.length);
  fact(facts, 'runs interrupted', a.interrupted);
  fact(facts, 'omitted past the cap', a.omitted);
  fact(facts, 'runs in these files', runs);
  if (a.reason) fact(facts, 'reason', a.reason);
  if (a.origin) fact(facts, 'origin', a.origin);
  if (a.outcome) fact(facts, 'outcome', a.outcome);
  li.append(facts);
  if (a.start >= 0 && a.ref && data.end > data.start) {
    var line = el('div', 'timeline');
    line.setAttribute('aria-hidden', 'true');
    var bar = el('span', 'bar');
    bar.style.left = ((a.start - data.start) / (data.end - data.start)) * 100 + '%';
    bar.style.width = (Math.max(0, a.durationMs) / (data.end - data.start)) * 100 + '%';
    line.append(bar);
    li.append(line);
  }
  if (!a.ref) li.append(el('p', 'note', 'The action span is in none of these files; it is known from its runs.'));
  if (a.scopeKeys.length > 0) {
    var rest = a.scopeKeys.length - 6;
    var keys = a.scopeKeys.slice(0, 6).join('  ') + (rest > 0 ? '  (+' + rest + ')' : '');
    li.append(el('p', 'scopes mono', 'scope keys  ' + keys));
  }
  a.groups.forEach(function (g) { li.append(groupElement(g, index, a)); });
  return li;
}

function renderActions() {
  var list = document.getElementById('action-list');
  var more = document.getElementById('more-actions');
  if (!list || !more) return;
  var shown = 0;
  function page() {
    var end = Math.min(data.actions.length, shown + ACTION_PAGE);
    var items = document.createDocumentFragment();
    for (; shown < end; shown++) items.append(actionItem(data.actions[shown], shown));
    list.append(items);
    var left = data.actions.length - shown;
    more.hidden = left === 0;
    more.textContent = 'Show ' + Math.min(ACTION_PAGE, left) + ' more actions (' + shown + ' of ' +
      data.actions.length + ' shown)';
  }
  more.addEventListener('click', page);
  page();
}

function renderOutside() {
  var box = document.getElementById('outside-groups');
  if (!box) return;
  data.outside.forEach(function (g) { box.append(groupElement(g, -1, null)); });
}

renderActions();
renderOutside();
root.dataset.ready = performance.now().toFixed(1);
})();
`;
