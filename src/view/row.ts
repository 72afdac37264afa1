// The layout of one run row of the view model, shared by the model (model.ts) and the HTML page's
// script (page/script.ts): a row is a positional array so a fan-out of 10,000 runs embeds compactly,
// and both sides read its fields through these names only.

/** The position of each field in a `RunRow`. */
export const ROW = {
  /** The run id. */
  runId: 0,
  /** Index into `strings`: the session id. */
  session: 1,
  /** Index into `strings`: the scope key. */
  scope: 2,
  /** The run span's duration in ms, -1 when unknown. */
  runMs: 3,
  /** The closed-run span's duration (how long the run took to stop) in ms, -1 when unknown. */
  stopMs: 4,
  /** Index into `strings`: the error fingerprint. */
  fingerprint: 5,
  /** Index into `strings`: the provenance source. */
  provenance: 6,
  /** Index into `strings`: the summary key. */
  summaryKey: 7,
  /** Index into `strings`: the run outcome. */
  outcome: 8,
  /** Index into `strings`: the closed-run span's trace id, -1 when no file holds it. */
  closedTrace: 9,
  /** The closed-run span's id, '' when no file holds it. */
  closedSpan: 10,
  /**
   * Index into `strings`: the run span's trace id, from the run span or, when no file holds it
   * (`VIA.childOnly`), from the closed-run child's link; -1 when neither is in the data.
   */
  runTrace: 11,
  /** The run span's id, as `runTrace`; '' when neither is in the data. */
  runSpan: 12,
  /** The link back: `BACK.linked`, `BACK.missing` or `BACK.noRunSpan`. */
  back: 13,
  /** Where the row's evidence comes from: one of `VIA`. */
  via: 14,
} as const;

/** Where a run row's evidence comes from. */
export const VIA = {
  childAndRun: 0,
  childOnly: 1,
  runOnly: 2,
  snapshot: 3,
} as const;
export type Via = (typeof VIA)[keyof typeof VIA];

/** Whether the run span links back to the action that closed it. */
export const BACK = {
  linked: 1,
  missing: 0,
  noRunSpan: -1,
} as const;
export type Back = (typeof BACK)[keyof typeof BACK];

/** One run, laid out as `ROW` names. */
export type RunRow = [
  runId: string,
  session: number,
  scope: number,
  runMs: number,
  stopMs: number,
  fingerprint: number,
  provenance: number,
  summaryKey: number,
  outcome: number,
  closedTrace: number,
  closedSpan: string,
  runTrace: number,
  runSpan: string,
  back: Back,
  via: Via,
];
