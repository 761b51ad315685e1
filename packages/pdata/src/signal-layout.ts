// The nesting all three OTLP signals share, named per signal: a request holds resource-level
// messages, each holds scope-level messages, each holds the items (spans, metrics, log records).
// The codecs walk this envelope once, generically, and leave the items to each signal.

export interface SignalLayout {
  /** Traces.resourceSpans, and the message name ResourceSpans */
  resources: 'resourceSpans' | 'resourceMetrics' | 'resourceLogs' | 'resourceProfiles';
  scopes: 'scopeSpans' | 'scopeMetrics' | 'scopeLogs' | 'scopeProfiles';
  items: 'spans' | 'metrics' | 'logRecords' | 'profiles';
}

export const TRACES_LAYOUT: SignalLayout = { resources: 'resourceSpans', scopes: 'scopeSpans', items: 'spans' };
export const METRICS_LAYOUT: SignalLayout = { resources: 'resourceMetrics', scopes: 'scopeMetrics', items: 'metrics' };
export const LOGS_LAYOUT: SignalLayout = { resources: 'resourceLogs', scopes: 'scopeLogs', items: 'logRecords' };
export const PROFILES_LAYOUT: SignalLayout = {
  resources: 'resourceProfiles',
  scopes: 'scopeProfiles',
  items: 'profiles',
};

/** A message name as the .proto spells it, for error messages: resourceSpans → ResourceSpans. */
export function messageName(key: string): string {
  return key[0].toUpperCase() + key.slice(1);
}
