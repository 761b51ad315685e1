// The state one gRPC stream carries (OTAP specification, section 4): one Arrow IPC stream per
// payload type, identified by the payload's schema_id. A producer sends the schema message and
// the dictionaries once and then only record batches (and dictionaries that changed); a new
// schema (a column appears, a dictionary's key width changes) gets a new schema_id and starts
// a new IPC stream. A consumer keeps one reader per payload type, fed payload after payload.
import {
  CompressionType,
  type Field,
  MessageReader,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  compressionRegistry,
  makeData,
  type RecordBatchStreamReader,
} from 'apache-arrow';
import type { Traces } from '@flowtel/pdata';
import { Decompress } from 'fzstd';
import { PAYLOAD_TYPE_NAMES, PayloadType, type ArrowPayload, type BatchArrowRecords } from './proto.ts';
import { type OtapTables, tablesToTraces, tracesToTables } from './traces.ts';

/** Appendix E's example algorithm: fields sorted by name, `name:type`, joined with commas. */
export function schemaId(fields: Field[]): string {
  return [...fields]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => {
      const t = f.type;
      const inner = t instanceof Struct ? `{${schemaId(t.children)}}` : String(t);
      return `${f.name}:${inner}`;
    })
    .join(',');
}

/** A stream writer whose output is taken message group by message group instead of queued. */
class PayloadWriter extends RecordBatchStreamWriter {
  private parts: Uint8Array[] = [];

  protected override _write(chunk: ArrayBufferView | ArrayBuffer | string): this {
    if (typeof chunk === 'string') throw new Error('unexpected text chunk from the Arrow IPC writer');
    const b = ArrayBuffer.isView(chunk)
      ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : new Uint8Array(chunk);
    if (b.byteLength > 0) {
      this.parts.push(b.slice());
      this._position += b.byteLength;
    }
    return this;
  }

  take(): Uint8Array {
    const out = Buffer.concat(this.parts);
    this.parts = [];
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
}

export function toRecordBatch(columns: OtapTables extends Map<number, infer T> ? T : never): RecordBatch {
  const fields = columns.columns.map((c) => c.field);
  const data = makeData({
    type: new Struct(fields),
    length: columns.length,
    nullCount: 0,
    children: columns.columns.map((c) => c.data),
  });
  return new RecordBatch(new Schema(fields), data);
}

/** One gRPC stream's sending side: BatchArrowRecords with their IPC streams' state. */
export class OtapProducer {
  private readonly writers = new Map<number, { schemaId: string; writer: PayloadWriter }>();
  private nextBatchId = 0n;
  /** payload types whose IPC stream began again with a new schema (otelcol's arrow_schema_resets) */
  schemaResets = 0;

  private payload(type: number, table: Parameters<typeof toRecordBatch>[0]): ArrowPayload {
    const batch = toRecordBatch(table);
    const id = schemaId(batch.schema.fields);
    let state = this.writers.get(type);
    if (!state || state.schemaId !== id) {
      if (state) this.schemaResets++;
      const writer = new PayloadWriter();
      // a writer that is not auto-destroyed stays open between batches (the stream goes on)
      (writer as unknown as { _autoDestroy: boolean })._autoDestroy = false;
      state = { schemaId: id, writer };
      this.writers.set(type, state);
    }
    state.writer.write(batch);
    return { schemaId: id, type, record: state.writer.take() };
  }

  /** The tables of one batch as a BatchArrowRecords (the root table first, as the reference does). */
  encodeTables(tables: OtapTables): BatchArrowRecords {
    const payloads: ArrowPayload[] = [];
    for (const [type, table] of tables) payloads.push(this.payload(type, table));
    return { batchId: this.nextBatchId++, payloads, headers: new Uint8Array(0) };
  }

  encodeTraces(traces: Traces): BatchArrowRecords {
    return this.encodeTables(tracesToTables(traces));
  }
}

/** Thrown for a BatchArrowRecords that cannot be read: the batch is refused as INVALID_ARGUMENT. */
export class OtapDecodeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OtapDecodeError';
  }
}

interface ReaderImpl {
  _reader: MessageReader;
}

/** One gRPC stream's receiving side: the IPC stream readers by payload type. */
export class OtapConsumer {
  private readonly readers = new Map<number, { schemaId: string; reader: RecordBatchStreamReader }>();
  schemaResets = 0;

  private read(p: ArrowPayload): RecordBatch | undefined {
    const name = PAYLOAD_TYPE_NAMES[p.type] ?? String(p.type);
    let state = this.readers.get(p.type);
    if (!state || state.schemaId !== p.schemaId) {
      if (state) this.schemaResets++;
      const reader = RecordBatchReader.from(p.record) as RecordBatchStreamReader;
      if (!reader.isStream()) throw new OtapDecodeError(`${name}: the payload is not an Arrow IPC stream`);
      reader.open({ autoDestroy: false });
      if (!reader.schema)
        throw new OtapDecodeError(`${name}: a new IPC stream (schema_id "${p.schemaId}") without a schema`);
      state = { schemaId: p.schemaId, reader };
      this.readers.set(p.type, state);
    } else {
      // the stream goes on: the reader keeps its schema and dictionaries and reads the next messages
      (state.reader as unknown as { _impl: ReaderImpl })._impl._reader = new MessageReader(p.record);
    }
    let out: RecordBatch | undefined;
    for (;;) {
      const r = state.reader.next();
      if (r.done) break;
      if (r.value.numRows === 0) continue;
      if (out) throw new OtapDecodeError(`${name}: more than one record batch in one payload`);
      out = r.value;
    }
    return out;
  }

  /** The record batches of a BatchArrowRecords by payload type. */
  decodeTables(bar: BatchArrowRecords, allowed: ReadonlySet<number>): Map<number, RecordBatch> {
    const tables = new Map<number, RecordBatch>();
    for (const p of bar.payloads) {
      if (!allowed.has(p.type))
        throw new OtapDecodeError(`payload type ${PAYLOAD_TYPE_NAMES[p.type] ?? p.type} is not allowed in this stream`);
      if (tables.has(p.type))
        throw new OtapDecodeError(`payload type ${PAYLOAD_TYPE_NAMES[p.type]} appears twice in one batch`);
      let batch: RecordBatch | undefined;
      try {
        batch = this.read(p);
      } catch (err) {
        if (err instanceof OtapDecodeError) throw err;
        // a broken stream cannot go on: its next payload would be read against a bad state
        this.readers.delete(p.type);
        throw new OtapDecodeError(`${PAYLOAD_TYPE_NAMES[p.type]}: invalid Arrow IPC data: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (batch) tables.set(p.type, batch);
    }
    return tables;
  }

  decodeTraces(bar: BatchArrowRecords): Traces {
    const tables = this.decodeTables(bar, TRACES_PAYLOADS);
    try {
      return tablesToTraces(tables);
    } catch (err) {
      throw new OtapDecodeError(`invalid traces: ${(err as Error).message}`, { cause: err });
    }
  }
}

export const TRACES_PAYLOADS: ReadonlySet<number> = new Set([
  PayloadType.SPANS,
  PayloadType.SPAN_ATTRS,
  PayloadType.SPAN_EVENTS,
  PayloadType.SPAN_LINKS,
  PayloadType.SPAN_EVENT_ATTRS,
  PayloadType.SPAN_LINK_ATTRS,
  PayloadType.RESOURCE_ATTRS,
  PayloadType.SCOPE_ATTRS,
]);

/** Bytes one decompressed IPC buffer may hold: set from the receiver's memory limit. */
let maxBufferBytes = 128 * 1024 * 1024;

/**
 * Teaches apache-arrow to read zstd-compressed IPC buffers (the reference exporter's default
 * payload_compression): fzstd's streaming decoder, stopped once a buffer passes `maxBytes`, so a
 * small payload cannot inflate without bound. Writing them needs a synchronous zstd encoder,
 * which this runtime lacks (node:zlib has zstd from Node 22.15).
 */
export function installIpcZstd(maxBytes: number): void {
  maxBufferBytes = maxBytes;
  if (compressionRegistry.get(CompressionType.ZSTD)) return;
  // no encode: apache-arrow validates an encoder by running it, and there is none to give
  compressionRegistry.set(CompressionType.ZSTD, {
    decode: (bytes: Uint8Array) => {
      const parts: Uint8Array[] = [];
      let total = 0;
      const stream = new Decompress((chunk) => {
        total += chunk.length;
        if (total > maxBufferBytes) throw new Error(`a zstd IPC buffer inflates past ${maxBufferBytes} bytes`);
        parts.push(chunk);
      });
      stream.push(bytes, true);
      const out = Buffer.concat(parts, total);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  } as unknown as Parameters<typeof compressionRegistry.set>[1]);
}
