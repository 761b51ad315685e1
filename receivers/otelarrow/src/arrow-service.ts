// The ArrowTracesService stream: BatchArrowRecords in, one BatchStatus out for each, answered
// as soon as the pipelines took (or refused) that batch, so answers may come out of order. Each
// gRPC stream has its own OTAP consumer (its IPC streams' schemas and dictionaries). A batch is
// admitted by its size first (admission::request_limit_mib / waiting_limit_mib) and must fit
// arrow::memory_limit_mib while it is decoded and consumed; past either it is refused with
// RESOURCE_EXHAUSTED and the stream goes on.
import type { Server, ServerDuplexStream, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CreateSettings } from '@flowtel/core';
import { DecodeError } from '@flowtel/pdata';
import {
  BatchStatusCode,
  OtapConsumer,
  OtapDecodeError,
  decodeBatchArrowRecords,
  encodeBatchStatus,
  type BatchStatus,
} from '@flowtel/otap';
import { GrpcCode, metadataHeaders, refusalStatus, type Ingest } from '@flowtel/otlp';
import { AdmissionRefused, type BoundedQueue } from './admission.ts';

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const keep = (b: Buffer): Buffer => b;

const SERVICE = 'opentelemetry.proto.experimental.arrow.v1';

/** The bidi-streaming method of one Arrow service, with byte-for-byte (de)serializers. */
export function arrowMethod(service: string, method: string) {
  return {
    path: `/${SERVICE}.${service}/${method}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: asBuffer,
    requestDeserialize: keep,
    responseSerialize: asBuffer,
    responseDeserialize: keep,
    originalName: method.charAt(0).toLowerCase() + method.slice(1),
  };
}

/** Bytes of Arrow data all streams hold at once, against arrow::memory_limit_mib. */
export class MemoryBudget {
  used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.limit > 0 && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

export class ArrowTracesService {
  /** each open stream and what makes it stop taking batches */
  private readonly streams = new Map<ServerDuplexStream<Buffer, Uint8Array>, () => void>();
  private closing = false;

  constructor(
    private readonly ingest: Ingest,
    private readonly admission: BoundedQueue,
    private readonly memory: MemoryBudget,
    private readonly logger: CreateSettings['logger'],
  ) {}

  register(server: Server): void {
    const definition = { ArrowTraces: arrowMethod('ArrowTracesService', 'ArrowTraces') } as ServiceDefinition;
    const implementation: UntypedServiceImplementation = {
      ArrowTraces: (call: ServerDuplexStream<Buffer, Uint8Array>) => void this.serve(call),
    };
    server.addService(definition, implementation);
  }

  private async serve(call: ServerDuplexStream<Buffer, Uint8Array>): Promise<void> {
    if (this.closing) {
      call.emit('error', { code: GrpcCode.UNAVAILABLE, details: 'the receiver is shutting down' });
      return;
    }
    // the stream's metadata authenticates it once, as contrib's receiver does for a stream
    const headers = this.ingest.needsHeaders ? metadataHeaders(call.metadata) : {};
    let auth;
    try {
      auth = await this.ingest.authenticate(headers);
    } catch (err) {
      call.emit('error', { code: GrpcCode.UNAUTHENTICATED, details: (err as Error).message });
      return;
    }
    const client = this.ingest.client(call.getPeer(), headers, auth);
    const consumer = new OtapConsumer();
    const pending = new Set<Promise<void>>();
    const reply = (status: BatchStatus) => {
      if (!call.writable) return;
      call.write(encodeBatchStatus(status));
    };
    call.on('data', (bytes: Buffer) => {
      // decode in arrival order: the IPC streams' state follows the batches one by one
      const job = this.batch(consumer, bytes, client).then(reply);
      pending.add(job);
      void job.finally(() => pending.delete(job));
    });
    const finished = new Promise<void>((resolve) => {
      this.streams.set(call, resolve);
      call.on('end', resolve);
      call.on('error', resolve);
      call.on('cancelled', resolve);
      call.on('close', resolve);
    });
    await finished;
    await Promise.allSettled([...pending]);
    this.streams.delete(call);
    if (call.writable) call.end();
  }

  private async batch(
    consumer: OtapConsumer,
    bytes: Buffer,
    client: ReturnType<Ingest['client']>,
  ): Promise<BatchStatus> {
    let batchId = 0n;
    let release: (() => void) | undefined;
    let held = 0;
    try {
      const bar = decodeBatchArrowRecords(bytes);
      batchId = bar.batchId;
      if (!this.memory.take(bytes.length)) {
        return {
          batchId,
          statusCode: BatchStatusCode.RESOURCE_EXHAUSTED,
          statusMessage: `arrow::memory_limit_mib of ${this.memory.limit} bytes is in use`,
        };
      }
      held = bytes.length;
      // decode before waiting: the IPC state must see this batch before the stream's next one
      const traces = consumer.decodeTraces(bar);
      release = await this.admission.acquire(bytes.length);
      await this.ingest.consume('traces', traces, client);
      return { batchId, statusCode: BatchStatusCode.OK, statusMessage: '' };
    } catch (err) {
      if (err instanceof OtapDecodeError || err instanceof DecodeError) {
        this.logger.warn({ err: (err as Error).message }, 'Refusing an OTel Arrow batch that cannot be decoded');
        return { batchId, statusCode: BatchStatusCode.INVALID_ARGUMENT, statusMessage: (err as Error).message };
      }
      if (err instanceof AdmissionRefused)
        return { batchId, statusCode: BatchStatusCode.RESOURCE_EXHAUSTED, statusMessage: err.message };
      const status = refusalStatus(err);
      return { batchId, statusCode: status.code, statusMessage: status.message };
    } finally {
      release?.();
      if (held) this.memory.give(held);
    }
  }

  /** Streams stop taking new batches; each ends once its batches are answered. */
  close(): void {
    this.closing = true;
    for (const [call, stop] of this.streams) {
      call.pause();
      stop();
    }
  }
}
