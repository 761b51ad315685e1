// otelcol's body is produced by Go's encoders; these reproduce the two formats it shows.

const UNITS: Array<[bigint, string]> = [
  [1_000_000n, 'ms'],
  [1_000n, 'µs'],
];

function withFraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's time.Duration.String(): "8.4186743s", "1m2.5s", "350.2ms", "0s". */
export function goDuration(nanoseconds: bigint): string {
  const sign = nanoseconds < 0n ? '-' : '';
  const ns = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (ns === 0n) return '0s';
  if (ns < 1_000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000_000n) {
    for (const [unit, name] of UNITS) if (ns >= unit) return `${sign}${withFraction(ns, unit)}${name}`;
  }
  const hours = ns / 3_600_000_000_000n;
  const minutes = (ns / 60_000_000_000n) % 60n;
  const seconds = withFraction(ns % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** Go's RFC 3339 with nanoseconds as encoding/json writes a UTC time.Time. */
export function goTime(date: Date): string {
  return date.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Go's zero time.Time, which otelcol writes as upSince while not ready. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
