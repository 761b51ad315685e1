// The otlp receiver: one gRPC and one HTTP server, whichever the config turns on, feeding the
// pipelines that name it.
import type { CreateSettings, Host, Receiver, Consumers } from '@flowtel/core';
import { Ingest, OtlpGrpcServer, serverAuthenticator } from '@flowtel/otlp';
import type { OtlpReceiverConfig } from './config.ts';
import { OtlpHttpServer } from './http-server.ts';

export class OtlpReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: OtlpReceiverConfig;
  private readonly consumers: Consumers;
  grpc?: OtlpGrpcServer;
  http?: OtlpHttpServer;

  constructor(settings: CreateSettings, config: OtlpReceiverConfig, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.consumers = consumers;
  }

  async start(host: Host): Promise<void> {
    try {
      await this.startServers(host);
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  private async startServers(host: Host): Promise<void> {
    const { grpc, http } = this.config.protocols;
    const { configDir, logger } = this.settings;
    if (grpc) {
      const ingest = new Ingest(this.consumers, 'grpc', grpc.include_metadata);
      if (grpc.auth) ingest.authenticator = serverAuthenticator(host, grpc.auth);
      this.grpc = new OtlpGrpcServer(grpc, ingest, configDir, logger);
      await this.grpc.start();
      logger.info({ endpoint: grpc.endpoint, port: this.grpc.port }, 'Starting GRPC server');
    }
    if (http) {
      const ingest = new Ingest(this.consumers, 'http', http.include_metadata);
      if (http.auth) ingest.authenticator = serverAuthenticator(host, http.auth);
      this.http = new OtlpHttpServer(http, ingest, configDir, logger);
      await this.http.start();
      logger.info({ endpoint: http.endpoint, port: this.http.port }, 'Starting HTTP server');
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.grpc?.shutdown(), this.http?.shutdown()]);
  }
}
