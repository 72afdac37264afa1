// A terminal view of lifecycle data: each action with its closed runs and the run span each one
// links to, the closes no action explains, and a table of closes by classification. It renders the
// view model (model.ts) the HTML view renders, so both show the same runs and the same numbers.
// Works on SDK ReadableSpans and on OTLP/JSON spans, with or without diagnostics snapshots.
import { labelOf, UNKNOWN_SCOPE_CLOSE, type Tone } from './labels.js';
import { viewModelOf, type LifecycleViewInput, type ViewAction, type ViewModel } from './model.js';
import { ROW, VIA, type RunRow } from './row.js';

export interface RenderOptions {
  /** ANSI colours (default `false`; the CLI and demo turn them on for a TTY without `NO_COLOR`). */
  color?: boolean | undefined;
  /** Lines are cut to this many columns (default 100). */
  width?: number | undefined;
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';
const ANSI: Record<Style, string> = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' };
const TONE_STYLE: Record<Tone, Style | undefined> = {
  bad: 'red',
  warn: 'yellow',
  ok: 'green',
  lifecycle: 'cyan',
  other: undefined,
};
const styleOf = (classification: string): Style | undefined => {
  const label = labelOf(classification);
  return label === undefined ? undefined : TONE_STYLE[label.tone];
};

/** A line made of segments, cut to the width before colours are applied. */
function line(segments: Array<[string, Style?]>, options: Required<RenderOptions>): string {
  let out = '';
  let used = 0;
  for (const [text, style] of segments) {
    if (used >= options.width) break;
    const room = options.width - used;
    const piece = text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text;
    used += piece.length;
    out += options.color && style !== undefined && piece !== '' ? `\u001b[${ANSI[style]}m${piece}\u001b[0m` : piece;
  }
  return out.trimEnd();
}

const clip = (text: string, width: number): string =>
  text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
/** A column: the text cut with an ellipsis to leave at least one space before the next column. */
const col = (text: string, width: number): string => `${clip(text, width - 1)} `;
const ms = (value: number): string =>
  value < 0 ? '–' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
const collator = new Intl.Collator('en', { numeric: true });

function settings(options: RenderOptions | undefined): Required<RenderOptions> {
  const width = options?.width;
  return { color: options?.color === true, width: typeof width === 'number' && width >= 40 ? Math.floor(width) : 100 };
}

/** The run span of a row: the one its closed-run child links to, or the run span alone; or why none. */
function target(model: ViewModel, row: RunRow): string {
  const trace = model.strings[row[ROW.runTrace]] ?? '';
  const ids = `${trace.slice(0, 8)}/${row[ROW.runSpan].slice(0, 8)}`;
  if (row[ROW.runTrace] >= 0) return `→ ${ids}`;
  return row[ROW.via] === VIA.snapshot ? 'snapshot close' : 'no link';
}

function actionLines(model: ViewModel, action: ViewAction, o: Required<RenderOptions>): string[] {
  const lines = [line([[action.name, 'bold'], [`  ${action.id}`, 'dim'], [`  ${ms(action.durationMs)}`]], o)];
  const rows = action.groups
    .flatMap((g) => g.rows.map((row) => ({ row, classification: g.classification })))
    .sort((x, y) => collator.compare(x.row[ROW.runId], y.row[ROW.runId]));
  const keys = action.scopeKeys;
  const scopes =
    keys.length === 0
      ? 'no scopes'
      : `scopes ${keys.slice(0, 3).join(' ')}${keys.length > 3 ? ` (+${keys.length - 3})` : ''}`;
  const facts =
    action.ref === ''
      ? `  action span not in these spans; known from ${rows.length} closed ${rows.length === 1 ? 'run' : 'runs'}`
      : `  ${action.interrupted} runs interrupted${action.omitted > 0 ? `, ${action.omitted} past the cap` : ''}` +
        `  ${scopes}`;
  lines.push(line([[facts, 'dim']], o));
  rows.forEach(({ row, classification }, i) => {
    lines.push(
      line(
        [
          [`  ${i === rows.length - 1 ? '└─' : '├─'} `],
          [`${clip(row[ROW.runId], 12)} `],
          [col(classification, 23), styleOf(classification)],
          [col(model.strings[row[ROW.provenance]] ?? '', 15), 'dim'],
          [col(row[ROW.via] === VIA.runOnly ? 'no child' : ms(row[ROW.stopMs]), 10)],
          [target(model, row), 'dim'],
          [row[ROW.runMs] < 0 ? '' : `  run ${ms(row[ROW.runMs])}`],
        ],
        o,
      ),
    );
  });
  lines.push('');
  return lines;
}

function unexplainedLines(model: ViewModel, o: Required<RenderOptions>): string[] {
  const rows = [...model.actions.flatMap((a) => a.groups), ...model.outside]
    .filter((g) => g.classification === UNKNOWN_SCOPE_CLOSE)
    .flatMap((g) => g.rows)
    .sort((x, y) => collator.compare(x[ROW.runId], y[ROW.runId]));
  if (rows.length === 0) return [];
  const lines = [line([[`closes no action explains (unknown_scope_close): ${rows.length}`, 'red']], o)];
  for (const row of rows) {
    const trace = model.strings[row[ROW.runTrace]] ?? '';
    lines.push(
      line(
        [
          ['  ✗ ', 'red'],
          [`${clip(row[ROW.runId], 12)} `],
          [col(model.strings[row[ROW.scope]] ?? '', 22)],
          [col(model.strings[row[ROW.fingerprint]] || '-', 16), 'dim'],
          [col(ms(row[ROW.runMs]), 10)],
          [row[ROW.runTrace] < 0 ? '' : `${trace.slice(0, 8)}/${row[ROW.runSpan].slice(0, 8)}`, 'dim'],
        ],
        o,
      ),
    );
  }
  lines.push('');
  return lines;
}

/**
 * The tree of each lifecycle action (oldest first): the action, its closed runs in run id order,
 * and for each the run span it links to; then the closes no action explains.
 */
export function renderLifecycleTree(input: LifecycleViewInput, options?: RenderOptions): string {
  const model = viewModelOf(input, 'renderLifecycleTree');
  const o = settings(options);
  const lines = model.actions.flatMap((action) => actionLines(model, action, o));
  lines.push(...unexplainedLines(model, o));
  if (lines.length === 0) lines.push('no lifecycle actions and no unexplained closes in these spans', '');
  return lines.join('\n');
}

/** A table of run closes by classification and summary key, most frequent first. */
export function renderCloseTable(input: LifecycleViewInput, options?: RenderOptions): string {
  const model = viewModelOf(input, 'renderCloseTable');
  const o = settings(options);
  // The summary key column gives way to the width, so the count always shows.
  const keyWidth = Math.min(52, o.width - 30);
  const lines = [
    line([[clip('classification', 24)], [clip('summary key', keyWidth)], ['runs'.padStart(6)]], { ...o, color: false }),
  ];
  for (const row of model.table) {
    lines.push(
      line(
        [
          [col(row.classification, 24), styleOf(row.classification)],
          [col(row.summaryKey, keyWidth)],
          [String(row.runs).padStart(6)],
        ],
        o,
      ),
    );
  }
  if (model.table.length === 0) lines.push('(no run closes)');
  return `${lines.join('\n')}\n`;
}
