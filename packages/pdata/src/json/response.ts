// Export{Trace,Metrics,Logs}ServiceResponse in OTLP/JSON. The rejected count's name depends on
// the signal: rejectedSpans, rejectedDataPoints, rejectedLogRecords.
import type { ExportResponse } from '../model.ts';
import { asObject, field, int64Field, JsonOut, parseJson, stringField } from './values.ts';

export type OtlpSignalName = 'traces' | 'metrics' | 'logs';

const REJECTED: Record<OtlpSignalName, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

export function exportResponseFromJson(signal: OtlpSignalName, input: string | object): ExportResponse {
  const o = parseJson(input, `${signal} export response`);
  const partial = field(o, 'partialSuccess');
  if (partial === undefined) return {};
  const p = asObject(partial, '$.partialSuccess');
  return {
    partialSuccess: {
      rejected: int64Field(p, REJECTED[signal], '$.partialSuccess', true),
      errorMessage: stringField(p, 'errorMessage', '$.partialSuccess'),
    },
  };
}

export function exportResponseToJson(signal: OtlpSignalName, response: ExportResponse): string {
  const partial = response.partialSuccess;
  if (!partial) return '{}';
  return JSON.stringify({
    partialSuccess: new JsonOut().int64(REJECTED[signal], partial.rejected).str('errorMessage', partial.errorMessage).o,
  });
}
