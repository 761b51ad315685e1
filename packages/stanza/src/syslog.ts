// contrib's syslog_parser: RFC 5424 and RFC 3164 messages (as influxdata/go-syslog reads them),
// optionally framed by RFC 6587 octet counting or a non-transparent trailer. The parsed fields
// go to parse_to (attributes by default): appname, hostname, proc_id, msg_id, message,
// structured_data, version, and priority and facility unless the PRI header was absent; the
// timestamp and the severity (from PRI) go to the record itself, with contrib's severity names.
import type { Entry, Value, ValueMap } from './entry.ts';
import type { OperatorContext, ParserOptions } from './operator.ts';
import { Parser } from './operator.ts';
import { GoTimeLayout, loadZone } from './timeparse.ts';

export interface SyslogOptions {
  protocol: string;
  location: string;
  enable_octet_counting: boolean;
  allow_skip_pri_header: boolean;
  non_transparent_framing_trailer?: 'LF' | 'NUL';
}

/** syslog severity 0..7 as contrib maps it: OTLP severity number and text */
const SEVERITY: Array<[number, string]> = [
  [21, 'emerg'],
  [19, 'alert'],
  [18, 'crit'],
  [17, 'err'],
  [13, 'warning'],
  [10, 'notice'],
  [9, 'info'],
  [5, 'debug'],
];

export class SyslogError extends Error {}

/** What one message holds: the fields for parse_to, and the record's time and PRI. */
export interface SyslogMessage {
  fields: ValueMap;
  timestamp?: bigint;
  priority?: number;
}

const RFC5424_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp as RFC 5424 restricts it (at most microseconds), in ns since the epoch. */
function rfc5424Time(s: string): bigint {
  const m = RFC5424_TIME.exec(s);
  if (!m) throw new SyslogError(`expecting a RFC3339MICRO timestamp or a nil value, got "${s}"`);
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
    throw new SyslogError(`timestamp out of range: "${s}"`);
  let offsetMin = 0;
  if (m[8] !== 'Z') offsetMin = (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec) - offsetMin * 60_000;
  const frac = m[7] ? BigInt(m[7].padEnd(9, '0')) : 0n;
  return BigInt(ms) * 1_000_000n + frac;
}

/** Reads `<PRI>` at the start; its value and the rest. */
function readPri(s: string, optional: boolean): [number | undefined, string] {
  const m = /^<(\d{1,3})>/.exec(s);
  if (!m) {
    if (optional) return [undefined, s];
    throw new SyslogError('expecting a priority value within angle brackets');
  }
  const pri = Number(m[1]);
  if (pri > 191 || (m[1].length > 1 && m[1][0] === '0'))
    throw new SyslogError('expecting a priority value in the range 1-191 or equal to 0');
  return [pri, s.slice(m[0].length)];
}

/** One space-separated header field of RFC 5424: its text (undefined for the nil value "-") and the rest. */
function header(s: string, name: string, max: number): [string | undefined, string] {
  const sp = s.indexOf(' ');
  const v = sp < 0 ? s : s.slice(0, sp);
  if (v.length === 0 || v.length > max || !/^[\x21-\x7e]+$/.test(v))
    throw new SyslogError(`expecting a ${name} (from 1 to max ${max} US-ASCII characters) or a nil value`);
  return [v === '-' ? undefined : v, sp < 0 ? '' : s.slice(sp + 1)];
}

/** RFC 5424 STRUCTURED-DATA: `[id k="v" ...]...` with \" \\ \] escapes; the map and the rest. */
function structuredData(s: string): [Record<string, ValueMap> | undefined, string] {
  if (s.startsWith('-')) return [undefined, s.slice(1)];
  if (!s.startsWith('['))
    throw new SyslogError(
      'expecting a structured data section containing one or more elements (`[id( key="value")*]+`) or a nil value',
    );
  const out: Record<string, ValueMap> = {};
  let i = 0;
  const name = () => {
    const start = i;
    while (i < s.length && i - start < 32 && !' ="]'.includes(s[i]) && s.charCodeAt(i) > 32 && s.charCodeAt(i) < 127)
      i++;
    if (i === start) throw new SyslogError(`expecting a structured data name at ${i}`);
    return s.slice(start, i);
  };
  while (s[i] === '[') {
    i++;
    const id = name();
    const params: ValueMap = {};
    while (s[i] === ' ') {
      i++;
      const key = name();
      if (s[i] !== '=' || s[i + 1] !== '"') throw new SyslogError(`expecting ="value" after ${key}`);
      i += 2;
      let value = '';
      for (;;) {
        if (i >= s.length) throw new SyslogError('unterminated structured data parameter value');
        const c = s[i];
        if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\' || s[i + 1] === ']')) {
          value += s[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      params[key] = value;
    }
    if (s[i] !== ']') throw new SyslogError(`expecting ] closing the structured data element ${id}`);
    i++;
    if (!(id in out)) out[id] = params;
  }
  return [out, s.slice(i)];
}

export function parseRfc5424(input: string, allowSkipPri: boolean): SyslogMessage {
  const [priority, afterPri] = readPri(input, allowSkipPri);
  const v = /^([1-9]\d{0,2}) /.exec(afterPri);
  if (!v) throw new SyslogError('expecting a version value in the range 1-999');
  let rest = afterPri.slice(v[0].length);
  const fields: ValueMap = { version: BigInt(v[1]) };
  let ts: string | undefined;
  [ts, rest] = header(rest, 'timestamp', 64);
  const timestamp = ts === undefined ? undefined : rfc5424Time(ts);
  const names: Array<[string, string, number]> = [
    ['hostname', 'hostname', 255],
    ['appname', 'app-name', 48],
    ['proc_id', 'procid', 128],
    ['msg_id', 'msgid', 32],
  ];
  for (const [key, what, max] of names) {
    let value: string | undefined;
    [value, rest] = header(rest, what, max);
    if (value !== undefined) fields[key] = value;
  }
  let sd: Record<string, ValueMap> | undefined;
  [sd, rest] = structuredData(rest);
  if (sd) fields.structured_data = sd;
  if (rest.length > 0) {
    if (rest[0] !== ' ') throw new SyslogError('expecting a space before the message');
    // a UTF-8 byte order mark announces the message's encoding; it is not part of the text
    const msg = rest.slice(1).replace(/^\ufeff/, '');
    if (msg.length > 0) fields.message = msg;
  }
  return { fields, timestamp, priority };
}

const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

export function parseRfc3164(input: string, allowSkipPri: boolean, stamp: GoTimeLayout): SyslogMessage {
  const [priority, afterPri] = readPri(input, allowSkipPri);
  // TIMESTAMP "Mmm dd hh:mm:ss", the day padded with a space, in the configured location
  const t = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}:\d{2}:\d{2})(?: |$)/.exec(afterPri);
  if (!t || !MONTHS.includes(t[1])) throw new SyslogError('expecting a Stamp timestamp ("Jan _2 15:04:05")');
  const timestamp = stamp.parse(`${t[1]} ${t[2]} ${t[3]}`);
  let rest = afterPri.slice(t[0].length);
  const fields: ValueMap = {};
  const host = /^([\x21-\x7e]{1,255})(?: |$)/.exec(rest);
  if (host) {
    fields.hostname = host[1];
    rest = rest.slice(host[0].length);
  }
  // TAG[PID]: the app name and process id, when the content starts with them
  const tag = /^([^:[\]\s]{1,32})(?:\[([^\]\s]{1,128})\])?:(?: |$)/.exec(rest);
  if (tag) {
    fields.appname = tag[1];
    if (tag[2] !== undefined) fields.proc_id = tag[2];
    rest = rest.slice(tag[0].length);
  }
  if (rest.length > 0) fields.message = rest;
  return { fields, timestamp, priority };
}

/** The syslog_parser operator. */
export class SyslogParser extends Parser {
  private readonly o: SyslogOptions;
  private readonly stamp: GoTimeLayout;
  constructor(c: ParserOptions & SyslogOptions, ctx: OperatorContext) {
    super(c, ctx);
    this.o = c;
    this.stamp = new GoTimeLayout('Jan _2 15:04:05', loadZone(c.location), {});
  }

  /** the message without its RFC 6587 framing */
  private unframe(s: string): string {
    if (this.o.enable_octet_counting) {
      const m = /^([1-9]\d*) /.exec(s);
      if (!m) throw new SyslogError('expecting a message length (octet counting) followed by a space');
      return s.slice(m[0].length, m[0].length + Number(m[1]));
    }
    const trailer = this.o.non_transparent_framing_trailer;
    if (trailer === 'NUL') return s.replace(/\0+$/, '');
    if (trailer === 'LF') return s.replace(/\n+$/, '');
    return s;
  }

  protected parse(value: Value, e: Entry): Value {
    if (typeof value !== 'string') throw new SyslogError(`unable to convert type '${typeof value}' to bytes`);
    const text = this.unframe(value);
    const skipPri = this.o.allow_skip_pri_header && !this.o.enable_octet_counting;
    const m = this.o.protocol === 'rfc5424' ? parseRfc5424(text, skipPri) : parseRfc3164(text, skipPri, this.stamp);
    if (m.timestamp !== undefined) e.timestamp = m.timestamp;
    if (m.priority !== undefined) {
      m.fields.priority = BigInt(m.priority);
      m.fields.facility = BigInt(m.priority >> 3);
      [e.severity, e.severityText] = SEVERITY[m.priority & 7];
    }
    return m.fields;
  }
}

/**
 * RFC 6587 octet counting on a TCP stream: each frame is `LENGTH SP MESSAGE`; the tokens keep
 * the length, which the parser reads. Bytes that do not start a frame run to the next newline,
 * so the parser reports them and the stream finds its feet again. A frame longer than
 * max_log_size is cut, and its rest is read as such bytes: memory stays bounded whatever a
 * sender claims.
 */
export function octetCountingSplit(maxLogSize: number): (buf: Buffer, flush: boolean) => number[] {
  return (buf, flush) => {
    const out: number[] = [];
    let pos = 0;
    while (pos < buf.length) {
      let i = pos;
      while (i < buf.length && i - pos < 10 && buf[i] >= 48 && buf[i] <= 57) i++;
      if (i < buf.length && buf[i] === 32 && i > pos) {
        const length = Number(buf.toString('latin1', pos, i));
        const end = i + 1 + Math.min(length, maxLogSize);
        if (end > buf.length) {
          if (flush) out.push(pos, buf.length, buf.length);
          break;
        }
        // a frame longer than max_log_size is cut there; what follows of it reads as unframed bytes
        out.push(pos, end, end);
        pos = end;
        continue;
      }
      if (i === buf.length && !flush) break; // the length is still arriving
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        if (flush || buf.length - pos >= maxLogSize) out.push(pos, buf.length, buf.length);
        break;
      }
      out.push(pos, nl, nl + 1);
      pos = nl + 1;
    }
    return out;
  };
}
