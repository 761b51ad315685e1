// Timestamps as stanza parses them: Go's time.Parse layouts (`gotime`), strptime directives
// translated to such a layout first (`strptime`, ctimefmt's table), and epoch numbers. A layout
// compiles once into chunks; parsing walks the input as Go's Parse does (a run of spaces in the
// layout matches a run of spaces, a fractional second may follow the seconds unasked).

export class TimeParseError extends Error {}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** ctimefmt's directive table (stanza docs/types/timestamp.md). */
const STRPTIME: Record<string, string> = {
  Y: '2006',
  y: '06',
  m: '01',
  o: '_1',
  q: '1',
  b: 'Jan',
  h: 'Jan',
  B: 'January',
  d: '02',
  e: '_2',
  g: '2',
  a: 'Mon',
  A: 'Monday',
  H: '15',
  I: '03',
  l: '3',
  p: 'PM',
  P: 'pm',
  M: '04',
  S: '05',
  L: '999',
  f: '999999',
  s: '999999999',
  Z: 'MST',
  z: 'Z0700',
  i: '-07',
  j: '-07:00',
  k: '-07:00:00',
  D: '01/02/06',
  F: '2006-01-02',
  T: '15:04:05',
  r: '03:04:05 pm',
  c: 'Mon Jan 02 15:04:05 2006',
  R: '15:04',
  n: '\n',
  t: '\t',
  '%': '%',
};

/** A strptime layout as the Go layout ctimefmt makes of it. */
export function strptimeToGo(layout: string): string {
  let out = '';
  for (let i = 0; i < layout.length; i++) {
    if (layout[i] !== '%') {
      out += layout[i];
      continue;
    }
    const d = layout[++i];
    const go = d === undefined ? undefined : STRPTIME[d];
    if (go === undefined) throw new TimeParseError(`unsupported strptime directive %${d ?? ''} in layout "${layout}"`);
    out += go;
  }
  return out;
}

type Chunk =
  | { k: 'lit'; s: string }
  | { k: 'month' | 'monthName' | 'monthFull' | 'weekday' | 'weekdayFull' | 'pm' | 'PM' | 'tzName' }
  | {
      k: 'num';
      field: 'month' | 'day' | 'hour' | 'hour12' | 'minute' | 'second' | 'year' | 'year2' | 'yday';
      fixed: number;
      space?: boolean;
    }
  | { k: 'tz'; z: boolean; colon: boolean; seconds: boolean; minutes: boolean }
  | { k: 'frac'; fixed: number };

/** Go's nextStdChunk over a whole layout. */
function compileGo(layout: string): Chunk[] {
  const chunks: Chunk[] = [];
  let lit = '';
  const push = (c: Chunk) => {
    if (lit) chunks.push({ k: 'lit', s: lit });
    lit = '';
    chunks.push(c);
  };
  let i = 0;
  const at = (s: string) => layout.startsWith(s, i);
  while (i < layout.length) {
    const c = layout[i];
    const rules: Array<[string, Chunk]> = [];
    switch (c) {
      case 'J':
        rules.push(['January', { k: 'monthFull' }], ['Jan', { k: 'monthName' }]);
        break;
      case 'M':
        rules.push(['Monday', { k: 'weekdayFull' }], ['Mon', { k: 'weekday' }], ['MST', { k: 'tzName' }]);
        break;
      case '0':
        rules.push(
          ['01', { k: 'num', field: 'month', fixed: 2 }],
          ['02', { k: 'num', field: 'day', fixed: 2 }],
          ['03', { k: 'num', field: 'hour12', fixed: 2 }],
          ['04', { k: 'num', field: 'minute', fixed: 2 }],
          ['05', { k: 'num', field: 'second', fixed: 2 }],
          ['06', { k: 'num', field: 'year2', fixed: 2 }],
          ['002', { k: 'num', field: 'yday', fixed: 3 }],
        );
        // '002' before '02'
        rules.unshift(rules.pop()!);
        break;
      case '1':
        rules.push(['15', { k: 'num', field: 'hour', fixed: 0 }], ['1', { k: 'num', field: 'month', fixed: 0 }]);
        break;
      case '2':
        rules.push(['2006', { k: 'num', field: 'year', fixed: 4 }], ['2', { k: 'num', field: 'day', fixed: 0 }]);
        break;
      case '_':
        rules.push(
          ['_2006', { k: 'lit', s: '_' }],
          ['__2', { k: 'num', field: 'yday', fixed: 0, space: true }],
          ['_2', { k: 'num', field: 'day', fixed: 0, space: true }],
          ['_1', { k: 'num', field: 'month', fixed: 0, space: true }],
        );
        break;
      case '3':
        rules.push(['3', { k: 'num', field: 'hour12', fixed: 0 }]);
        break;
      case '4':
        rules.push(['4', { k: 'num', field: 'minute', fixed: 0 }]);
        break;
      case '5':
        rules.push(['5', { k: 'num', field: 'second', fixed: 0 }]);
        break;
      case 'P':
        rules.push(['PM', { k: 'PM' }]);
        break;
      case 'p':
        rules.push(['pm', { k: 'pm' }]);
        break;
      case 'Z':
      case '-': {
        const z = c === 'Z';
        for (const [suffix, colon, seconds, minutes] of [
          ['070000', false, true, true],
          ['07:00:00', true, true, true],
          ['0700', false, false, true],
          ['07:00', true, false, true],
          ['07', false, false, false],
        ] as const)
          rules.push([c + suffix, { k: 'tz', z, colon, seconds, minutes }]);
        break;
      }
      case '.':
      case ',': {
        const d = layout[i + 1];
        if (d === '0' || d === '9') {
          let j = i + 1;
          while (layout[j] === d) j++;
          if (!/[0-9]/.test(layout[j] ?? ''))
            rules.push([layout.slice(i, j), { k: 'frac', fixed: d === '0' ? j - i - 1 : 0 }]);
        }
        break;
      }
    }
    const hit = rules.find(([s]) => at(s));
    if (!hit) {
      lit += c;
      i++;
      continue;
    }
    if (hit[0] === '_2006') {
      lit += '_';
      i++;
      continue;
    }
    push(hit[1]);
    i += hit[0].length;
  }
  if (lit) chunks.push({ k: 'lit', s: lit });
  return chunks;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  pm?: boolean;
  yday: number;
  offsetSec?: number;
  zoneName?: string;
}

const bad = (value: string, layout: string, why: string) =>
  new TimeParseError(`parsing time "${value}" as "${layout}": ${why}`);

function skipSpaces(s: string, i: number): number {
  while (s[i] === ' ') i++;
  return i;
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';

/** How to turn local wall time into an instant: a fixed zone, the process's, or an IANA zone. */
export type Zone = { kind: 'utc' } | { kind: 'local' } | { kind: 'iana'; name: string };

const dtf = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset in ms at instant `ms`. */
export function zoneOffsetMs(name: string, ms: number): number {
  let f = dtf.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    dtf.set(name, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Go's LoadLocation: "" and "Local" are the process's zone, "UTC" is UTC, else an IANA name. */
export function loadZone(name: string | undefined): Zone {
  if (!name || name === 'Local') return { kind: 'local' };
  if (name === 'UTC') return { kind: 'utc' };
  try {
    zoneOffsetMs(name, 0);
  } catch {
    throw new TimeParseError(`unknown time zone ${name}`);
  }
  return { kind: 'iana', name };
}

/** The instant (ms) of a wall-clock time (as Date.UTC of its fields) in a zone. */
function wallToInstant(wallMs: number, zone: Zone): number {
  if (zone.kind === 'utc') return wallMs;
  if (zone.kind === 'local') {
    const d = new Date(wallMs);
    const local = new Date(
      d.getUTCFullYear(),
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    );
    local.setFullYear(d.getUTCFullYear());
    return local.getTime();
  }
  const off = zoneOffsetMs(zone.name, wallMs);
  const t = wallMs - off;
  const off2 = zoneOffsetMs(zone.name, t);
  return off2 === off ? t : wallMs - off2;
}

/** A compiled layout; parse() gives nanoseconds since the epoch. */
export class GoTimeLayout {
  private readonly chunks: Chunk[];
  readonly layout: string;
  private readonly zone: Zone;
  private readonly zoneLocations: Record<string, Zone>;
  /** now(), for layouts without a year; tests replace it */
  now: () => Date = () => new Date();
  constructor(layout: string, zone: Zone, zoneLocations: Record<string, Zone> = {}) {
    this.layout = layout;
    this.chunks = compileGo(layout);
    this.zone = zone;
    this.zoneLocations = zoneLocations;
  }

  parse(value: string): bigint {
    const p: Parts = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, yday: -1 };
    let i = 0;
    const chunks = this.chunks;
    for (let ci = 0; ci < chunks.length; ci++) {
      const c = chunks[ci];
      switch (c.k) {
        case 'lit': {
          let j = 0;
          while (j < c.s.length) {
            if (c.s[j] === ' ') {
              if (i < value.length && value[i] !== ' ')
                throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as "${c.s.slice(j)}"`);
              j = skipSpaces(c.s, j);
              i = skipSpaces(value, i);
              continue;
            }
            if (value[i] !== c.s[j])
              throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as "${c.s.slice(j)}"`);
            i++;
            j++;
          }
          break;
        }
        case 'num': {
          if (c.space && value[i] === ' ') i++;
          let j = i;
          const max = c.fixed || (c.field === 'yday' ? 3 : c.field === 'year' ? 4 : 2);
          while (j - i < max && isDigit(value[j])) j++;
          if (j === i || (c.fixed && j - i !== c.fixed))
            throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as ${c.field}`);
          const n = Number(value.slice(i, j));
          i = j;
          switch (c.field) {
            case 'year':
              p.year = n;
              break;
            case 'year2':
              p.year = n >= 69 ? 1900 + n : 2000 + n;
              break;
            case 'month':
              if (n < 1 || n > 12) throw bad(value, this.layout, 'month out of range');
              p.month = n;
              break;
            case 'day':
              p.day = n;
              break;
            case 'yday':
              p.yday = n;
              break;
            case 'hour':
              if (n > 23) throw bad(value, this.layout, 'hour out of range');
              p.hour = n;
              break;
            case 'hour12':
              if (n > 12) throw bad(value, this.layout, 'hour out of range');
              p.hour = n;
              break;
            case 'minute':
              if (n > 59) throw bad(value, this.layout, 'minute out of range');
              p.minute = n;
              break;
            case 'second': {
              if (n > 59) throw bad(value, this.layout, 'second out of range');
              p.second = n;
              // Go: a fractional second may follow the seconds even when the layout has none
              const next = chunks[ci + 1];
              if ((value[i] === '.' || value[i] === ',') && isDigit(value[i + 1]) && next?.k !== 'frac') {
                let k = i + 1;
                while (isDigit(value[k])) k++;
                p.nanos = fracNanos(value.slice(i + 1, k));
                i = k;
              }
              break;
            }
          }
          break;
        }
        case 'frac': {
          if (c.fixed) {
            const digits = value.slice(i + 1, i + 1 + c.fixed);
            if ((value[i] !== '.' && value[i] !== ',') || digits.length !== c.fixed || !/^\d+$/.test(digits))
              throw bad(value, this.layout, 'cannot parse fractional second');
            p.nanos = fracNanos(digits);
            i += 1 + c.fixed;
          } else if ((value[i] === '.' || value[i] === ',') && isDigit(value[i + 1])) {
            let k = i + 1;
            while (isDigit(value[k])) k++;
            p.nanos = fracNanos(value.slice(i + 1, k));
            i = k;
          }
          break;
        }
        case 'monthName':
        case 'monthFull': {
          const m = matchName(value, i, MONTHS, c.k === 'monthName');
          if (m < 0) throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as month`);
          p.month = m + 1;
          i += c.k === 'monthName' ? 3 : MONTHS[m].length;
          break;
        }
        case 'weekday':
        case 'weekdayFull': {
          const d = matchName(value, i, DAYS, c.k === 'weekday');
          if (d < 0) throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as weekday`);
          i += c.k === 'weekday' ? 3 : DAYS[d].length;
          break;
        }
        case 'PM':
        case 'pm': {
          const s = value.slice(i, i + 2);
          const want = c.k === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
          if (!want.includes(s)) throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as ${c.k}`);
          p.pm = s.toLowerCase() === 'pm';
          i += 2;
          break;
        }
        case 'tz': {
          if (c.z && value[i] === 'Z') {
            p.offsetSec = 0;
            i++;
            break;
          }
          const sign = value[i];
          if (sign !== '+' && sign !== '-')
            throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as zone offset`);
          let j = i + 1;
          const two = () => {
            const s = value.slice(j, j + 2);
            if (!/^\d\d$/.test(s)) throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as zone offset`);
            j += 2;
            return Number(s);
          };
          const colon = () => {
            if (c.colon) {
              if (value[j] !== ':') throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as zone offset`);
              j++;
            }
          };
          const hh = two();
          let mm = 0;
          let ss = 0;
          if (c.minutes) {
            colon();
            mm = two();
          }
          if (c.seconds) {
            colon();
            ss = two();
          }
          p.offsetSec = (sign === '-' ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
          i = j;
          break;
        }
        case 'tzName': {
          const m = /^(?:[A-Z][A-Za-z]{2,4}|GMT[+-]\d{1,2})/.exec(value.slice(i));
          if (!m) throw bad(value, this.layout, `cannot parse "${value.slice(i)}" as "MST"`);
          p.zoneName = m[0];
          i += m[0].length;
          break;
        }
      }
    }
    if (i !== value.length) throw bad(value, this.layout, `extra text: "${value.slice(i)}"`);
    if (p.pm !== undefined) {
      if (p.pm && p.hour < 12) p.hour += 12;
      else if (!p.pm && p.hour === 12) p.hour = 0;
    }
    if (p.yday >= 0) {
      const d = new Date(Date.UTC(p.year, 0, p.yday));
      p.month = d.getUTCMonth() + 1;
      p.day = d.getUTCDate();
    }
    if (p.day < 1 || p.day > daysIn(p.year, p.month)) throw bad(value, this.layout, 'day out of range');
    let instant = this.instant(p);
    if (p.year === 0) {
      // stanza's setTimestampYear: a layout without a year is this year, or last year when that
      // would put it more than 7 days in the future
      const now = this.now();
      p.year = now.getFullYear();
      instant = this.instant(p);
      if (instant > now.getTime() + 7 * 86400_000) {
        p.year--;
        instant = this.instant(p);
      }
    }
    return BigInt(instant) * 1_000_000n + BigInt(p.nanos);
  }

  /** milliseconds since the epoch, whole seconds */
  private instant(p: Parts): number {
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    const wallFixed = p.year < 100 ? new Date(wall).setUTCFullYear(p.year) : wall;
    if (p.offsetSec !== undefined) return wallFixed - p.offsetSec * 1000;
    if (p.zoneName !== undefined) {
      const mapped = this.zoneLocations[p.zoneName];
      if (mapped) return wallToInstant(wallFixed, mapped);
      if (p.zoneName === 'UTC' || p.zoneName === 'GMT' || p.zoneName === 'Z') return wallFixed;
      const gmt = /^GMT([+-]\d{1,2})$/.exec(p.zoneName);
      if (gmt) return wallFixed - Number(gmt[1]) * 3600_000;
      // as stanza: an abbreviation the tz database knows as a zone (EST, MST, HST, ...) is that zone
      try {
        return wallToInstant(wallFixed, { kind: 'iana', name: p.zoneName });
      } catch {
        return wallToInstant(wallFixed, this.zone);
      }
    }
    return wallToInstant(wallFixed, this.zone);
  }
}

function fracNanos(digits: string): number {
  return Number((digits + '000000000').slice(0, 9));
}

function matchName(value: string, i: number, names: string[], short: boolean): number {
  const lower = value.slice(i, i + 9).toLowerCase();
  for (let k = 0; k < names.length; k++) {
    const n = short ? names[k].slice(0, 3) : names[k];
    if (lower.startsWith(n)) return k;
  }
  return -1;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year === 0 ? 2000 : year, month, 0)).getUTCDate();
}

export const EPOCH_LAYOUTS = ['s', 'ms', 'us', 'ns', 's.ms', 's.us', 's.ns'] as const;
export type EpochLayout = (typeof EPOCH_LAYOUTS)[number];

const SUBSEC_NS: Record<string, bigint> = { 's.ms': 1_000_000n, 's.us': 1000n, 's.ns': 1n };
const UNIT_NS: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, ns: 1n };

/** stanza's epoch layouts, from a string, an integer or a double. */
export function parseEpoch(layout: EpochLayout, value: unknown): bigint {
  let stamp: string;
  if (typeof value === 'string') stamp = value;
  else if (typeof value === 'bigint') stamp = layout.includes('.') ? `${value}.0` : String(value);
  else if (typeof value === 'number') {
    if (!layout.includes('.')) stamp = String(Math.trunc(value));
    else stamp = value.toFixed(layout === 's.ms' ? 3 : layout === 's.us' ? 6 : 9);
  } else throw new TimeParseError(`type ${typeof value} cannot be parsed as a time`);
  const invalid = () => new TimeParseError(`invalid value '${stamp}' for layout '${layout}'`);
  if (!layout.includes('.')) {
    if (!/^-?\d+$/.test(stamp)) throw invalid();
    return BigInt(stamp) * UNIT_NS[layout];
  }
  const parts = stamp.trim().split('.');
  if (parts.length !== 2 || !/^-?\d+$/.test(parts[0]) || !/^\d+$/.test(parts[1])) throw invalid();
  return BigInt(parts[0]) * 1_000_000_000n + BigInt(parts[1]) * SUBSEC_NS[layout];
}
