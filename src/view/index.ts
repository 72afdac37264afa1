// otel-session-lifecycle/view: the offline view of lifecycle data, for tests, debug routes and the
// `otel-session-lifecycle view` command. Reads SDK spans, OTLP/JSON files and diagnostics
// snapshots; renders a terminal tree and close table, or one self-contained HTML page.
export { renderCloseTable, renderLifecycleTree } from './tree.js';
export type { RenderOptions } from './tree.js';
export { renderLifecycleHtml } from './html.js';
export type { HtmlViewOptions } from './html.js';
export type { LifecycleViewInput } from './model.js';
export { spansFromOtlpJson, toTreeSpan } from './otlp-json.js';
export type { ReadableSpanLike, TreeSpan, TreeSpanLink } from './otlp-json.js';
export { lifecycleDataFromFiles } from './inputs.js';
export type { LifecycleData, LifecycleFile } from './inputs.js';
export type { SnapshotCloseLike, SnapshotLike } from '../snapshot-format.js';
