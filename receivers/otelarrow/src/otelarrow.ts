// The otelarrow receiver: one gRPC server on one port serving OTLP's Export services for every
// signal its pipelines take and, for traces, ArrowTracesService's OTAP streams. Arrow streams
// for logs and metrics are not served yet: an otelarrow exporter asking for them is answered
// UNIMPLEMENTED and downgrades to OTLP on the same port, as contrib's exporter does.
import type { Consumer, CreateSettings, Host, PipelineSignal, Receiver } from '@flowtel/core';
import { installIpcZstd } from '@flowtel/otap';
import { Ingest, OtlpGrpcServer, serverAuthenticator } from '@flowtel/otlp';
import { BoundedQueue } from './admission.ts';
import { ArrowTracesService, MemoryBudget } from './arrow-service.ts';
import type { OtelArrowReceiverConfig } from './config.ts';

const MIB = 1024 * 1024;

export class OtelArrowReceiver implements Receiver {
  private grpc?: OtlpGrpcServer;
  private arrow?: ArrowTracesService;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: OtelArrowReceiverConfig,
    private readonly consumers: Partial<Record<PipelineSignal, Consumer>>,
  ) {}

  get port(): number | undefined {
    return this.grpc?.port;
  }

  async start(host: Host): Promise<void> {
    const { grpc, arrow } = this.config.protocols;
    const { configDir, logger } = this.settings;
    const ingest = new Ingest(this.consumers, 'grpc', grpc.include_metadata);
    if (grpc.auth) ingest.authenticator = serverAuthenticator(host, grpc.auth);
    installIpcZstd(arrow.zstd.memory_limit_mib * MIB);
    if (this.consumers.traces) {
      const { request_limit_mib, waiting_limit_mib } = this.config.admission;
      this.arrow = new ArrowTracesService(
        ingest,
        new BoundedQueue(request_limit_mib * MIB, waiting_limit_mib * MIB),
        new MemoryBudget(arrow.memory_limit_mib * MIB),
        logger,
      );
    }
    const service = this.arrow;
    this.grpc = new OtlpGrpcServer(grpc, ingest, configDir, logger, 'otelarrow receiver', (server) =>
      service?.register(server),
    );
    try {
      await this.grpc.start();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    logger.info({ endpoint: grpc.endpoint, port: this.grpc.port }, 'Starting GRPC server');
  }

  async shutdown(): Promise<void> {
    this.arrow?.close();
    await this.grpc?.shutdown();
  }
}
