// convert_to_semantic_conventions: contrib's mapping of journal fields onto an OTel log record
// (journald_attr_mapping.go): MESSAGE is the body, PRIORITY the severity, the well-known fields
// take their semantic-convention names (trusted process and host fields on the resource), and
// every other field stays an attribute under its journal name.
import type { Entry, Value, ValueMap } from '@flowtel/stanza';

/** syslog severities (PRIORITY 0-7) as OTel severity numbers and contrib's texts */
const SEVERITY: Record<string, [number, string]> = {
  '0': [21, 'emerg'], // FATAL
  '1': [22, 'alert'], // FATAL2
  '2': [23, 'crit'], // FATAL3
  '3': [17, 'err'], // ERROR
  '4': [13, 'warning'], // WARN
  '5': [10, 'notice'], // INFO2
  '6': [9, 'info'], // INFO
  '7': [5, 'debug'], // DEBUG
};

const ATTRIBUTES: Record<string, string> = {
  CODE_FILE: 'code.file.path',
  CODE_FUNC: 'code.function.name',
  CODE_LINE: 'code.line.number',
  TID: 'thread.id',
  SYSLOG_FACILITY: 'syslog.facility.code',
  SYSLOG_IDENTIFIER: 'syslog.msg.id',
  SYSLOG_PID: 'syslog.pid',
  ERRNO: 'system.errno',
};

const RESOURCE: Record<string, string> = {
  _HOSTNAME: 'host.name',
  _PID: 'process.pid',
  _COMM: 'process.command',
  _EXE: 'process.executable.path',
  _CMDLINE: 'process.command_line',
};

const NUMERIC = new Set([
  'code.line.number',
  'thread.id',
  'syslog.facility.code',
  'syslog.pid',
  'process.pid',
  'system.errno',
]);

/** a numeric field's decimal text as an int64; anything else as it came */
function typed(key: string, v: Value): Value {
  return NUMERIC.has(key) && typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : v;
}

export function toSemanticConventions(entry: Entry, fields: ValueMap): void {
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'MESSAGE') entry.body = v;
    else if (k === 'PRIORITY') {
      const severity = typeof v === 'string' ? SEVERITY[v] : undefined;
      if (severity) [entry.severity, entry.severityText] = severity;
    } else if (ATTRIBUTES[k]) entry.attributes[ATTRIBUTES[k]] = typed(ATTRIBUTES[k], v);
    else if (RESOURCE[k]) entry.resource[RESOURCE[k]] = typed(RESOURCE[k], v);
    else entry.attributes[k] = v;
  }
}
