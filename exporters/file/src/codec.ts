// How one batch becomes one record in the file: an ExportXServiceRequest as OTLP/JSON or as
// protobuf, framed as fileexporter frames it (a JSON line, or a 4-byte big-endian length and
// the bytes), compressed per record when asked. Each encoder writes its records into one
// EncodeBuffer: the file writes or copies a record before the next is encoded.
import { permanent } from '@flowtel/core';
import { compress } from '@flowtel/otlp';
import type { Batch } from '@flowtel/core';
import {
  EncodeBuffer,
  encodeLogs,
  encodeLogsJson,
  encodeMetrics,
  encodeMetricsJson,
  encodeProfiles,
  encodeProfilesJson,
  encodeTraces,
  encodeTracesJson,
} from '@flowtel/pdata';

/** One record, as the pieces that are written one after the other (no copy to join them), valid until the next call. */
export type Encode = (batch: Batch) => Uint8Array[] | Promise<Uint8Array[]>;

const NEWLINE = new Uint8Array([0x0a]);

function payload(batch: Batch, format: 'json' | 'proto', reused?: EncodeBuffer): Uint8Array {
  switch (batch.signal) {
    case 'traces':
      return format === 'json' ? encodeTracesJson(batch.data, reused) : encodeTraces(batch.data, reused);
    case 'metrics':
      return format === 'json' ? encodeMetricsJson(batch.data, reused) : encodeMetrics(batch.data, reused);
    case 'logs':
      return format === 'json' ? encodeLogsJson(batch.data, reused) : encodeLogs(batch.data, reused);
    case 'profiles':
      return format === 'json' ? encodeProfilesJson(batch.data, reused) : encodeProfiles(batch.data, reused);
    case 'socket':
      throw permanent('the file exporter writes OTLP data only: socket events need the l7 processor before it');
  }
}

/** The messages of a length-prefixed file (`format: proto`, or zstd): each a view of `bytes`. */
export function lengthPrefixedRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const size = view.getUint32(at);
    out.push(bytes.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return out;
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array[] {
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(bytes.length, 0);
  return [length, bytes];
}

export function recordEncoder(format: 'json' | 'proto', compression: '' | 'zstd'): Encode {
  // zstd compresses on libuv's pool while the next batch may be encoded: each payload its own memory
  if (compression === 'zstd') return async (batch) => lengthPrefixed(await compress('zstd', payload(batch, format)));
  const reused = new EncodeBuffer();
  if (format === 'proto') return (batch) => lengthPrefixed(payload(batch, 'proto', reused));
  return (batch) => [payload(batch, 'json', reused), NEWLINE];
}
