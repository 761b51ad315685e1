// One ArrowTracesService stream: BatchArrowRecords out, BatchStatus back (in any order), and the
// OTAP producer whose IPC streams live exactly as long as the gRPC stream. A stream is retired
// after max_stream_lifetime: it takes no new batch and ends once its batches are answered.
import type { Client, ClientDuplexStream, Metadata, ServiceError } from '@grpc/grpc-js';
import { ConsumerError, retryable } from '@flowtel/core';
import { OtapProducer, decodeBatchStatus, encodeBatchArrowRecords } from '@flowtel/otap';
import { GrpcCode, grpcRefusal } from '@flowtel/otlp';
import type { Traces } from '@flowtel/pdata';

const PATH = '/opentelemetry.proto.experimental.arrow.v1.ArrowTracesService/ArrowTraces';
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const keep = (b: Buffer): Buffer => b;

/** The peer has no ArrowTracesService: the exporter sends plain OTLP from now on. */
export class ArrowUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArrowUnsupported';
  }
}

export class ArrowStream {
  private readonly producer = new OtapProducer();
  private readonly call: ClientDuplexStream<Uint8Array, Buffer>;
  private readonly pending = new Map<bigint, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly retireTimer: NodeJS.Timeout;
  /** whether the stream still takes batches */
  open = true;
  /** whether some status came back: a stream that answered once is known to speak Arrow */
  private answered = false;

  constructor(client: Client, metadata: Metadata, lifetimeMs: number, onClosed: (s: ArrowStream) => void) {
    this.call = client.makeBidiStreamRequest(PATH, asBuffer, keep, metadata);
    this.call.on('data', (bytes: Buffer) => this.onStatus(bytes));
    this.call.on('error', (err: ServiceError) => {
      this.open = false;
      const failure =
        err.code === GrpcCode.UNIMPLEMENTED && !this.answered
          ? new ArrowUnsupported(`the peer does not serve OTel Arrow: ${err.details || err.message}`)
          : grpcRefusal({ code: err.code, message: err.details || err.message });
      this.failAll(failure);
    });
    this.call.on('status', () => {
      this.open = false;
      this.failAll(retryable('the OTel Arrow stream ended before its batches were answered'));
      onClosed(this);
    });
    // retire cleanly: new batches go to a new stream, this one ends once answered
    this.retireTimer = setTimeout(() => this.retire(), lifetimeMs);
    this.retireTimer.unref();
  }

  get load(): number {
    return this.pending.size;
  }

  private onStatus(bytes: Buffer): void {
    this.answered = true;
    let status;
    try {
      status = decodeBatchStatus(bytes);
    } catch {
      return;
    }
    const waiter = this.pending.get(status.batchId);
    if (!waiter) return;
    this.pending.delete(status.batchId);
    if (status.statusCode === 0) waiter.resolve();
    else waiter.reject(grpcRefusal({ code: status.statusCode, message: status.statusMessage }));
    if (!this.open && this.pending.size === 0) this.call.end();
  }

  private failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /** Sends one batch; resolves on its OK status, rejects with its refusal. */
  send(traces: Traces, abort: AbortSignal): Promise<void> {
    if (!this.open) return Promise.reject(retryable('the OTel Arrow stream is closed'));
    let bar;
    try {
      bar = this.producer.encodeTraces(traces);
    } catch (err) {
      return Promise.reject(new ConsumerError(`cannot encode traces as OTel Arrow: ${(err as Error).message}`, false));
    }
    const id = bar.batchId;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        reject(retryable('the export timed out waiting for its BatchStatus'));
      };
      this.pending.set(id, {
        resolve: () => (abort.removeEventListener('abort', onAbort), resolve()),
        reject: (err) => (abort.removeEventListener('abort', onAbort), reject(err)),
      });
      abort.addEventListener('abort', onAbort, { once: true });
      this.call.write(encodeBatchArrowRecords(bar));
    });
  }

  retire(): void {
    clearTimeout(this.retireTimer);
    if (!this.open) return;
    this.open = false;
    if (this.pending.size === 0) this.call.end();
  }

  cancel(): void {
    clearTimeout(this.retireTimer);
    this.open = false;
    this.call.cancel();
  }
}
