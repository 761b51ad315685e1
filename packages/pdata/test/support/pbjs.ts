// Bridges between our model and protobufjs messages, for the cross-checks.
import type protobuf from 'protobufjs';

/** Our model as a protobufjs `fromObject` input: same field names, 64-bit values as strings. */
export function toPbjsObject(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toPbjsObject);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPbjsObject(v)]));
  return value;
}

export function pbjsEncode(type: protobuf.Type, model: unknown): Uint8Array {
  return type.encode(type.fromObject(toPbjsObject(model) as Record<string, unknown>)).finish();
}

/**
 * A comparable plain form of either side: 64-bit values as decimal strings, bytes as hex,
 * NaN and infinities as strings, default values and empty containers left out (proto3 cannot
 * tell them from unset, so the two decoders may differ only there).
 */
export function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') return value === 0n ? undefined : value.toString();
  if (typeof value === 'number')
    return value === 0 && 1 / value > 0 ? undefined : Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string')
    return value === '' ? undefined : /^-?\d{10,}$/.test(value) ? BigInt(value).toString() : value;
  if (typeof value === 'boolean') return value || undefined;
  if (value instanceof Uint8Array) return value.length === 0 ? undefined : Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => normalize(v) ?? null);
  if (value !== null && typeof value === 'object') {
    if ('low' in value && 'high' in value && 'unsigned' in value) return normalize(BigInt(String(value)));
    const entries = Object.entries(value)
      .map(([k, v]) => [k, normalize(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return undefined;
}

export function pbjsDecode(type: protobuf.Type, bytes: Uint8Array): unknown {
  return type.toObject(type.decode(bytes));
}
