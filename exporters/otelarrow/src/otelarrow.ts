// The otelarrow exporter's wire: traces over num_streams ArrowTracesService streams (the least
// loaded one takes each batch), everything else, and everything once the peer answers that it
// has no Arrow service (UNIMPLEMENTED), as plain OTLP/gRPC over the same channel, as contrib's
// exporter downgrades. Queue, retry and timeout are the exporter helper's, as for otlp_grpc.
import { retryable, type Batch, type CreateSettings, type Host } from '@flowtel/core';
import { MAX_SPANS_PER_BATCH } from '@flowtel/otap';
import { OtlpGrpcSender, type OtlpSender } from '@flowtel/otlp';
import { splitTraces, spanCount, type Traces } from '@flowtel/pdata';
import { ArrowStream, ArrowUnsupported } from './arrow-stream.ts';
import type { OtelArrowExporterConfig } from './config.ts';

export class OtelArrowSender implements OtlpSender {
  private readonly otlp: OtlpGrpcSender;
  private readonly streams: ArrowStream[] = [];
  /** set once the peer said it has no Arrow service: plain OTLP from then on */
  private downgraded = false;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: OtelArrowExporterConfig,
  ) {
    this.otlp = new OtlpGrpcSender(settings, config);
  }

  start(host: Host): Promise<void> {
    return this.otlp.start(host);
  }

  private async stream(): Promise<ArrowStream> {
    for (let i = this.streams.length - 1; i >= 0; i--) if (!this.streams[i].open) this.streams.splice(i, 1);
    if (this.streams.length < this.config.arrow.num_streams) {
      const client = this.otlp.channel;
      if (!client) throw retryable('otelarrow exporter is not started');
      const s = new ArrowStream(client, await this.otlp.metadata(), this.config.arrow.max_stream_lifetime, (closed) => {
        const at = this.streams.indexOf(closed);
        if (at >= 0) this.streams.splice(at, 1);
      });
      this.streams.push(s);
      return s;
    }
    return this.streams.reduce((a, b) => (b.load < a.load ? b : a));
  }

  private async sendArrow(traces: Traces, abort: AbortSignal): Promise<void> {
    // a SPANS table's ids are u16: larger batches go as several
    let rest = traces;
    while (spanCount(rest) > MAX_SPANS_PER_BATCH) {
      const [head, tail] = splitTraces(rest, MAX_SPANS_PER_BATCH);
      await (await this.stream()).send(head, abort);
      rest = tail;
    }
    await (await this.stream()).send(rest, abort);
  }

  async push(batch: Batch, abort: AbortSignal): Promise<void> {
    if (batch.signal !== 'traces' || this.config.arrow.disabled || this.downgraded) return this.otlp.push(batch, abort);
    try {
      await this.sendArrow(batch.data as Traces, abort);
    } catch (err) {
      if (!(err instanceof ArrowUnsupported)) throw err;
      if (this.config.arrow.disable_downgrade)
        throw retryable(`${err.message}; arrow::disable_downgrade keeps the exporter from sending plain OTLP`);
      if (!this.downgraded)
        this.settings.logger.info(
          { reason: err.message },
          'Arrow is not supported by the peer: downgrading to standard OTLP',
        );
      this.downgraded = true;
      await this.otlp.push(batch, abort);
    }
  }

  async shutdown(): Promise<void> {
    for (const s of this.streams) s.cancel();
    this.streams.length = 0;
    await this.otlp.shutdown();
  }
}
