// Synthetic OTLP/JSON lifecycle traces of any size, shaped like what the package exports (see
// test/fixtures/otlp-fanout.json): one lifecycle action span, a closed-run child per run up to
// the cap (each linked to its run span, relation closed_run), the run spans (each linked back,
// relation closed_by), and optionally runs whose scope closed with no action (unknown_scope_close).

export interface SynthOptions {
  runs: number;
  scopes?: number;
  /** Closed-run children past this many are omitted (the action counts them). */
  cap?: number;
  unexplained?: number;
  kind?: string;
  runId?: (i: number) => string;
  reason?: string;
  origin?: string;
  fingerprint?: string;
  /**
   * Leave out what tail sampling can drop: `runs` the action's run spans (only the `run closed`
   * children reach the backend), `lifecycle` the action's trace (the action span and its children).
   */
  omit?: 'runs' | 'lifecycle';
}

type Attr = {
  key: string;
  value: { stringValue: string } | { intValue: string } | { arrayValue: { values: unknown[] } };
};
const s = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });
const n = (key: string, value: number): Attr => ({ key, value: { intValue: String(value) } });
const hex = (seed: number, length: number): string => {
  let out = '';
  let x = (seed * 2654435761 + 97) >>> 0;
  while (out.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
};
const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
const link = (traceId: string, spanId: string, relation: string) => ({
  traceId,
  spanId,
  attributes: [s('session_host.link.relation', relation)],
});

/** An OTLP/HTTP JSON request body (ExportTraceServiceRequest) holding one fan-out. */
export function synthFanout(options: SynthOptions): { resourceSpans: unknown[] } {
  const kind = options.kind ?? 'instance_dispose_all';
  const scopes = options.scopes ?? 10;
  const cap = options.cap ?? Number.POSITIVE_INFINITY;
  const runId = options.runId ?? ((i: number) => `run-${i}`);
  const actionId = `${kind}-mx1abc-1`;
  const t0 = 1_795_491_227_000;
  const actionTrace = hex(1, 32);
  const actionSpan = hex(2, 16);
  const scopeKey = (i: number): string => `dir:${hex(1000 + (i % scopes), 16)}`;
  const spans: unknown[] = [];
  const omitted = Math.max(0, options.runs - cap);
  const actionAttributes: Attr[] = [
    s('session_host.lifecycle.action.id', actionId),
    s('session_host.lifecycle.kind', kind),
    n('session_host.lifecycle.runs_interrupted', options.runs),
    n('session_host.lifecycle.runs_omitted', omitted),
    {
      key: 'session_host.lifecycle.scope_keys',
      value: {
        arrayValue: { values: Array.from({ length: Math.min(scopes, 20) }, (_, i) => ({ stringValue: scopeKey(i) })) },
      },
    },
    s('session_host.lifecycle.outcome', 'ok'),
  ];
  if (options.reason !== undefined) actionAttributes.push(s('session_host.lifecycle.reason', options.reason));
  if (options.origin !== undefined) actionAttributes.push(s('session_host.lifecycle.origin', options.origin));
  const keep = (span: { traceId: string; [field: string]: unknown }): void => {
    const lifecycle = span.traceId === actionTrace;
    if (options.omit === undefined || (options.omit === 'runs' ? lifecycle : !lifecycle)) spans.push(span);
  };
  keep({
    traceId: actionTrace,
    spanId: actionSpan,
    name: `lifecycle ${kind}`,
    startTimeUnixNano: nanos(t0 + 100),
    endTimeUnixNano: nanos(t0 + 160),
    attributes: actionAttributes,
    links: [],
  });
  const closeAttributes = (i: number, classification: string, summary: string, action: boolean): Attr[] => [
    s('session_host.run.id', runId(i)),
    s('session_host.session.id', `session-${i % 7}`),
    s('session_host.scope.key', scopeKey(i)),
    s('session_host.close.classification', classification),
    s('session_host.close.summary_key', summary),
    s('session_host.close.provenance', action ? 'context' : 'none'),
    ...(action ? [s('session_host.lifecycle.action.id', actionId), s('session_host.lifecycle.kind', kind)] : []),
    s('session_host.run.outcome', 'error'),
  ];
  const classification = kind.startsWith('instance_dispose') ? 'local_instance_dispose' : 'known_lifecycle_close';
  for (let i = 0; i < options.runs; i++) {
    const runTrace = hex(10_000 + i, 32);
    const runSpan = hex(20_000 + i, 16);
    const attributes = closeAttributes(i, classification, `${classification}.lifecycle_close`, true);
    keep({
      traceId: runTrace,
      spanId: runSpan,
      name: 'run',
      startTimeUnixNano: nanos(t0 + (i % 50)),
      endTimeUnixNano: nanos(t0 + 150 + (i % 9)),
      attributes: [...attributes, s('session_host.run.error.fingerprint', options.fingerprint ?? 'AbortError')],
      links: [link(actionTrace, actionSpan, 'closed_by')],
    });
    if (i >= cap) continue;
    keep({
      traceId: actionTrace,
      spanId: hex(30_000 + i, 16),
      parentSpanId: actionSpan,
      name: 'run closed',
      startTimeUnixNano: nanos(t0 + 120),
      endTimeUnixNano: nanos(t0 + 150 + (i % 9)),
      attributes,
      links: [link(runTrace, runSpan, 'closed_run')],
    });
  }
  for (let i = 0; i < (options.unexplained ?? 0); i++) {
    const missing = {
      key: 'session_host.close.missing_provenance',
      value: { arrayValue: { values: [{ stringValue: 'lifecycle.close_requested' }] } },
    };
    spans.push({
      traceId: hex(40_000 + i, 32),
      spanId: hex(50_000 + i, 16),
      name: 'run',
      startTimeUnixNano: nanos(t0 + 200),
      endTimeUnixNano: nanos(t0 + 230),
      attributes: [
        ...closeAttributes(
          options.runs + i,
          'unknown_scope_close',
          'unknown_scope_close.missing_lifecycle_provenance',
          false,
        ),
        s('session_host.run.error.fingerprint', 'TypeError'),
        missing,
      ],
      links: [],
    });
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [s('service.name', 'synth-host')] },
        scopeSpans: [{ scope: { name: 'otel-session-lifecycle' }, spans }],
      },
    ],
  };
}
