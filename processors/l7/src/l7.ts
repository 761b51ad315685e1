// The l7 processor: socket events in, the pipeline's own signal out (spans, request logs or
// RED metrics). Other batches pass through untouched, so a traces pipeline can take OTLP and
// eBPF capture side by side.
import { Observable, type OperatorFunction } from 'rxjs';
import { dataPointCount, logRecordCount, spanCount } from '@flowtel/pdata';
import {
  Ack,
  retryable,
  type Batch,
  type CreateSettings,
  type Host,
  type PipelineSignal,
  type Processor,
  type SharedInstance,
} from '@flowtel/core';
import type { L7Config } from './config.ts';
import type { L7Engine, RecordSink, TcpSink } from './engine.ts';
import { recordsToLogs } from './output/logs.ts';
import { RedAggregator } from './output/red.ts';
import { recordsToTraces } from './output/spans.ts';
import { TcpAggregator } from './output/tcp.ts';
import type { L7Record } from './record.ts';
import { L7_ENGINE, SharedEngine } from './shared-engine.ts';

export class L7Processor implements Processor {
  private readonly settings: CreateSettings;
  private readonly config: L7Config;
  private readonly signal: PipelineSignal;
  private shared?: SharedInstance<SharedEngine>;
  /** the sinks of this processor's subscriptions: the graph subscribes before it starts us */
  private readonly sinks = new Set<RecordSink>();
  private readonly tcpSinks = new Set<TcpSink>();

  constructor(settings: CreateSettings, config: L7Config, signal: PipelineSignal) {
    this.settings = settings;
    this.config = config;
    this.signal = signal;
  }

  private get engine(): L7Engine | undefined {
    return this.shared?.value.engine;
  }

  async start(host: Host): Promise<void> {
    if (this.shared) return;
    const shared = host.shared.instance(
      L7_ENGINE,
      this.settings.id,
      () => new SharedEngine(this.settings, this.config),
    );
    await shared.acquire();
    this.shared = shared;
    for (const sink of this.sinks) shared.value.engine.addSink(sink);
    for (const sink of this.tcpSinks) shared.value.engine.addTcpSink(sink);
  }

  async shutdown(): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    this.shared = undefined;
    for (const sink of this.sinks) shared.value.engine.removeSink(sink);
    for (const sink of this.tcpSinks) shared.value.engine.removeTcpSink(sink);
    await shared.release();
  }

  /** Records become a batch of the pipeline's signal; undefined when there is nothing to send. */
  private toBatch(records: L7Record[], ack: Ack): Batch | undefined {
    if (this.signal === 'traces') {
      const data = recordsToTraces(records);
      return { signal: 'traces', data, items: spanCount(data), ack };
    }
    if (this.signal === 'logs') {
      const data = recordsToLogs(records);
      return { signal: 'logs', data, items: logRecordCount(data), ack };
    }
    return undefined;
  }

  /** An Ack for output that no input batch is waiting on: refusals are logged, not lost silently. */
  private detachedAck(what: string): Ack {
    return new Ack((err) => {
      if (err) this.settings.logger.warn({ err: err.message }, `${what} refused downstream`);
    });
  }

  operator(): OperatorFunction<Batch, Batch> {
    return (source) =>
      new Observable<Batch>((subscriber) => {
        const red = this.signal === 'metrics' ? new RedAggregator(this.config.metrics.max_series) : undefined;
        // the capture's TCP events, per client/server pair, beside the RED metrics
        const tcp = this.signal === 'metrics' ? new TcpAggregator(this.config.metrics.max_series) : undefined;
        const tcpSink: TcpSink | undefined = tcp && ((report, conn) => tcp.add(report, conn));
        let currentAck: Ack | undefined;
        const sink: RecordSink = (records) => {
          if (red) return red.add(records);
          const ack = currentAck ?? this.detachedAck('request records');
          currentAck = undefined;
          const batch = this.toBatch(records, ack);
          if (batch) subscriber.next(batch);
        };
        this.sinks.add(sink);
        this.engine?.addSink(sink);
        if (tcpSink) {
          this.tcpSinks.add(tcpSink);
          this.engine?.addTcpSink(tcpSink);
        }
        const detach = () => {
          this.sinks.delete(sink);
          this.engine?.removeSink(sink);
          if (tcpSink) {
            this.tcpSinks.delete(tcpSink);
            this.engine?.removeTcpSink(tcpSink);
          }
        };
        const emitMetrics = () => {
          if (!red || (red.isEmpty && tcp!.isEmpty)) return;
          const data = red.snapshot();
          if (!tcp!.isEmpty) data.resourceMetrics.push(...tcp!.snapshot().resourceMetrics);
          subscriber.next({
            signal: 'metrics',
            data,
            items: dataPointCount(data),
            ack: this.detachedAck('RED metrics'),
          });
        };
        const metricsTimer = red ? setInterval(emitMetrics, this.config.metrics.interval) : undefined;
        metricsTimer?.unref();

        const subscription = source.subscribe({
          next: (batch) => {
            if (batch.signal !== 'socket') return subscriber.next(batch);
            const engine = this.engine;
            if (!engine) return batch.ack.reject(retryable(`processor ${this.settings.id} is not running`));
            currentAck = batch.ack;
            try {
              engine.ingest(batch.data);
            } catch (err) {
              this.settings.logger.error({ err: String(err) }, 'l7: a capture batch could not be parsed');
            }
            // nothing of ours was emitted with it: the capture is accepted either way
            if (currentAck === batch.ack) batch.ack.resolve();
            currentAck = undefined;
          },
          error: (err) => subscriber.error(err),
          complete: () => {
            this.engine?.flushAll();
            emitMetrics();
            detach();
            clearInterval(metricsTimer);
            subscriber.complete();
          },
        });
        return () => {
          detach();
          clearInterval(metricsTimer);
          subscription.unsubscribe();
        };
      });
  }
}
