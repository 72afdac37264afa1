// A terminal view of lifecycle traces: each action with its closed-run children and the run each
// one links to, the closes no action explains, and a table of closes by classification. Works on
// SDK ReadableSpans and on OTLP/JSON spans, so tests, debug commands and the CLI show the same thing.
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_ID,
  ATTR_RUNS_INTERRUPTED,
  ATTR_RUNS_OMITTED,
  ATTR_SCOPE_KEY,
  ATTR_SCOPE_KEYS,
  SPAN_NAME_ACTION_PREFIX,
  SPAN_NAME_CLOSED_RUN,
} from '../semconv.js';
import { toTreeSpan, type ReadableSpanLike, type TreeSpan } from './otlp-json.js';

export interface RenderOptions {
  /** ANSI colours (default `false`; the CLI and demo turn them on for a TTY without `NO_COLOR`). */
  color?: boolean | undefined;
  /** Lines are cut to this many columns (default 100). */
  width?: number | undefined;
}

const ANSI: Record<string, string> = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' };

function classificationColor(classification: string): string {
  if (classification === 'unknown_scope_close') return 'red';
  if (classification === 'error') return 'yellow';
  if (classification === 'success') return 'green';
  return 'cyan';
}

/** A line made of segments, cut to the width before colours are applied. */
function line(segments: Array<[string, string?]>, options: Required<RenderOptions>): string {
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
const ms = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`);
const str = (value: unknown): string => (value === undefined ? '' : String(value));
const byStart = (a: TreeSpan, b: TreeSpan): number => a.startTimeMs - b.startTimeMs || a.spanId.localeCompare(b.spanId);
const byRunId = (a: TreeSpan, b: TreeSpan): number =>
  str(a.attributes[ATTR_RUN_ID]).localeCompare(str(b.attributes[ATTR_RUN_ID]), 'en', { numeric: true }) ||
  byStart(a, b);

function treeSpans(spans: unknown, caller: string): TreeSpan[] {
  if (!Array.isArray(spans)) throw new TypeError(`otel-session-lifecycle: ${caller} takes an array of spans`);
  return spans.map((span) => toTreeSpan(span as TreeSpan | ReadableSpanLike));
}

function settings(options: RenderOptions | undefined): Required<RenderOptions> {
  const width = options?.width;
  return { color: options?.color === true, width: typeof width === 'number' && width >= 40 ? Math.floor(width) : 100 };
}

/** `true` for a run span carrying a close (the package's `run` span, or a host span it annotated). */
function isRunSpan(span: TreeSpan): boolean {
  return span.name !== SPAN_NAME_CLOSED_RUN && typeof span.attributes[ATTR_CLOSE_CLASSIFICATION] === 'string';
}

/**
 * The tree of each lifecycle action (oldest first): the action, its `run closed` children, and
 * for each child the run span it links to; then the closes no action explains.
 */
export function renderLifecycleTree(
  spans: ReadonlyArray<TreeSpan | ReadableSpanLike>,
  options?: RenderOptions,
): string {
  const all = treeSpans(spans, 'renderLifecycleTree');
  const o = settings(options);
  const bySpanId = new Map(all.map((s) => [s.spanId, s]));
  const actions = all
    .filter((s) => s.name.startsWith(SPAN_NAME_ACTION_PREFIX) && s.attributes[ATTR_ACTION_ID] !== undefined)
    .sort(byStart);
  const lines: string[] = [];
  for (const action of actions) {
    const a = action.attributes;
    const keys = Array.isArray(a[ATTR_SCOPE_KEYS]) ? (a[ATTR_SCOPE_KEYS] as unknown[]).map(String) : [];
    lines.push(
      line([[action.name, 'bold'], [`  ${str(a[ATTR_ACTION_ID])}`, 'dim'], [`  ${ms(action.durationMs)}`]], o),
    );
    const omitted = Number(a[ATTR_RUNS_OMITTED] ?? 0);
    const scopes =
      keys.length === 0
        ? 'no scopes'
        : `scopes ${keys.slice(0, 3).join(' ')}${keys.length > 3 ? ` (+${keys.length - 3})` : ''}`;
    lines.push(
      line(
        [
          [
            `  ${str(a[ATTR_RUNS_INTERRUPTED]) || '0'} runs interrupted` +
              `${omitted > 0 ? `, ${omitted} past the cap` : ''}  ${scopes}`,
            'dim',
          ],
        ],
        o,
      ),
    );
    const children = all
      .filter((s) => s.name === SPAN_NAME_CLOSED_RUN && s.parentSpanId === action.spanId)
      .sort(byRunId);
    children.forEach((child, i) => {
      const c = child.attributes;
      const classification = str(c[ATTR_CLOSE_CLASSIFICATION]);
      const link = child.links[0];
      const run = link === undefined ? undefined : bySpanId.get(link.spanId);
      const target = link === undefined ? 'no link' : `→ ${link.traceId.slice(0, 8)}/${link.spanId.slice(0, 8)}`;
      lines.push(
        line(
          [
            [`  ${i === children.length - 1 ? '└─' : '├─'} `],
            [`${clip(str(c[ATTR_RUN_ID]), 12)} `],
            [col(classification, 23), classificationColor(classification)],
            [col(str(c[ATTR_CLOSE_PROVENANCE]), 15), 'dim'],
            [col(ms(child.durationMs), 10)],
            [target, 'dim'],
            [run === undefined ? '' : `  run ${ms(run.durationMs)}`],
          ],
          o,
        ),
      );
    });
    lines.push('');
  }
  const unexplained = all
    .filter((s) => isRunSpan(s) && s.attributes[ATTR_CLOSE_CLASSIFICATION] === 'unknown_scope_close')
    .sort(byRunId);
  if (unexplained.length > 0) {
    lines.push(line([[`closes no action explains (unknown_scope_close): ${unexplained.length}`, 'red']], o));
    for (const run of unexplained) {
      const r = run.attributes;
      lines.push(
        line(
          [
            ['  ✗ ', 'red'],
            [`${clip(str(r[ATTR_RUN_ID]), 12)} `],
            [col(str(r[ATTR_SCOPE_KEY]), 22)],
            [col(str(r[ATTR_RUN_ERROR_FINGERPRINT]) || '-', 16), 'dim'],
            [col(ms(run.durationMs), 10)],
            [`${run.traceId.slice(0, 8)}/${run.spanId.slice(0, 8)}`, 'dim'],
          ],
          o,
        ),
      );
    }
    lines.push('');
  }
  if (actions.length === 0 && unexplained.length === 0)
    lines.push('no lifecycle actions and no unexplained closes in these spans', '');
  return lines.join('\n');
}

/** A table of run closes by classification and summary key, most frequent first. */
export function renderCloseTable(spans: ReadonlyArray<TreeSpan | ReadableSpanLike>, options?: RenderOptions): string {
  const o = settings(options);
  const counts = new Map<string, { classification: string; summaryKey: string; runs: number }>();
  for (const span of treeSpans(spans, 'renderCloseTable')) {
    if (!isRunSpan(span)) continue;
    const classification = str(span.attributes[ATTR_CLOSE_CLASSIFICATION]);
    const summaryKey = str(span.attributes[ATTR_CLOSE_SUMMARY_KEY]);
    const key = `${classification}\u0000${summaryKey}`;
    const row = counts.get(key) ?? { classification, summaryKey, runs: 0 };
    row.runs++;
    counts.set(key, row);
  }
  const rows = [...counts.values()].sort((a, b) => b.runs - a.runs || a.classification.localeCompare(b.classification));
  // The summary key column gives way to the width, so the count always shows.
  const keyWidth = Math.min(52, o.width - 30);
  const lines = [
    line([[clip('classification', 24)], [clip('summary key', keyWidth)], ['runs'.padStart(6)]], { ...o, color: false }),
  ];
  for (const row of rows) {
    lines.push(
      line(
        [
          [col(row.classification, 24), classificationColor(row.classification)],
          [col(row.summaryKey, keyWidth)],
          [String(row.runs).padStart(6)],
        ],
        o,
      ),
    );
  }
  if (rows.length === 0) lines.push('(no run closes)');
  return `${lines.join('\n')}\n`;
}
