// Export{Trace,Metrics,Logs}ServiceResponse in OTLP/JSON. The rejected count's name depends on
// the signal: rejectedSpans, rejectedDataPoints, rejectedLogRecords.
import type { ExportResponse } from '../model.ts';
import { asObject, field, int64Field, parseJson, stringField } from './values.ts';
import { writeJson } from './writer.ts';

export type OtlpSignalName = 'traces' | 'metrics' | 'logs' | 'profiles';

const REJECTED: Record<OtlpSignalName, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
  profiles: 'rejectedProfiles',
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
  return writeJson(response, (w, r) => {
    const partial = r.partialSuccess;
    if (!partial) return;
    w.key('partialSuccess');
    w.open();
    w.int64(REJECTED[signal], partial.rejected);
    w.str('errorMessage', partial.errorMessage);
    w.close();
  }).toText();
}
