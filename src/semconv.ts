// Every span, attribute and metric name the package emits. Users write queries, dashboards and
// alerts against these strings: rename one only with a changelog entry in the README.

export const SPAN_NAME_RUN = 'run';
export const SPAN_NAME_CLOSED_RUN = 'run closed';
export const SPAN_NAME_ACTION_PREFIX = 'lifecycle ';

export const ATTR_ACTION_ID = 'session_host.lifecycle.action.id';
export const ATTR_LIFECYCLE_KIND = 'session_host.lifecycle.kind';
export const ATTR_RUNS_INTERRUPTED = 'session_host.lifecycle.runs_interrupted';
export const ATTR_RUNS_OMITTED = 'session_host.lifecycle.runs_omitted';
export const ATTR_SCOPE_KEYS = 'session_host.lifecycle.scope_keys';
export const ATTR_SCOPE_KEYS_OMITTED = 'session_host.lifecycle.scope_keys_omitted';
export const ATTR_ACTION_OUTCOME = 'session_host.lifecycle.outcome';
/** Why the action ran: a bounded token from the host (`config_change`, `idle`, ...). */
export const ATTR_ACTION_REASON = 'session_host.lifecycle.reason';
/** Who asked for it: a bounded token from the host (`http`, `signal`, `timer`, ...). */
export const ATTR_ACTION_ORIGIN = 'session_host.lifecycle.origin';
/** `true` when the action did not settle within `maxActionAgeMs` and the package ended it. */
export const ATTR_ACTION_TIMED_OUT = 'session_host.lifecycle.timed_out';
/** The kind recorded for an action whose kind the host did not declare. */
export const UNKNOWN_KIND = 'unknown_kind';

export const ATTR_RUN_ID = 'session_host.run.id';
export const ATTR_SESSION_ID = 'session_host.session.id';
export const ATTR_SCOPE_KEY = 'session_host.scope.key';
export const ATTR_RUN_OUTCOME = 'session_host.run.outcome';
export const ATTR_RUN_ERROR_FINGERPRINT = 'session_host.run.error.fingerprint';

export const ATTR_CLOSE_CLASSIFICATION = 'session_host.close.classification';
export const ATTR_CLOSE_SUMMARY_KEY = 'session_host.close.summary_key';
export const ATTR_CLOSE_PROVENANCE = 'session_host.close.provenance';
export const ATTR_CLOSE_MISSING_PROVENANCE = 'session_host.close.missing_provenance';
/** `true` when the close was attributed to an action that had already ended (a late report). */
export const ATTR_CLOSE_LATE = 'session_host.close.late';

/** The GenAI semantic conventions' session key, on run spans when `recordConversationId` is on. */
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';

/** On a span link: what the linked span is to this one (`closed_run` or `closed_by`). */
export const ATTR_LINK_RELATION = 'session_host.link.relation';
/** The closed-run child's link to the run span it reports on. */
export const LINK_RELATION_CLOSED_RUN = 'closed_run';
/** The run span's link back to the lifecycle action that closed it. */
export const LINK_RELATION_CLOSED_BY = 'closed_by';

/** The stable OpenTelemetry attribute; values here come from a fixed vocabulary. */
export const ATTR_ERROR_TYPE = 'error.type';

export const METRIC_RUN_CLOSES = 'session_host.run.closes';
export const METRIC_LIFECYCLE_ACTIONS = 'session_host.lifecycle.actions';
export const METRIC_LIFECYCLE_FANOUT = 'session_host.lifecycle.fanout';
export const METRIC_LIFECYCLE_DURATION = 'session_host.lifecycle.duration';

export const MISSING_PROVENANCE_CLOSE_REQUESTED = 'lifecycle.close_requested';

/** `node:diagnostics_channel` names: what hosts publish on (no dependency on this package) ... */
export const CHANNEL_LIFECYCLE = 'session_host:lifecycle';
export const CHANNEL_RUN = 'session_host:run';
export const CHANNEL_SCOPE_CLOSE = 'session_host:scope.close';
/** ... and what the package publishes for tools that are not OpenTelemetry. */
export const CHANNEL_CLOSE = 'session_host:close';
export const CHANNEL_ACTION_END = 'session_host:action.end';
