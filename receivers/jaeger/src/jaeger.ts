// The jaeger receiver: a Jaeger collector (gRPC api_v2, Thrift over HTTP) and agent (Thrift
// compact and binary over UDP), whichever protocols the config names, feeding the traces
// pipelines that name it.
import type { Consumer, CreateSettings, Receiver, Consumers } from '@flowtel/core';
import type { JaegerReceiverConfig } from './config.ts';
import { JaegerGrpcServer } from './grpc.ts';
import { ThriftHttpServer } from './http.ts';
import { Ingest } from './ingest.ts';
import { UdpAgentServer } from './udp.ts';

interface Server {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  readonly port: number | undefined;
}

export class JaegerReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: JaegerReceiverConfig;
  private readonly consumer?: Consumer;
  grpc?: JaegerGrpcServer;
  thriftHttp?: ThriftHttpServer;
  thriftCompact?: UdpAgentServer;
  thriftBinary?: UdpAgentServer;

  constructor(settings: CreateSettings, config: JaegerReceiverConfig, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.consumer = consumers.traces;
  }

  async start(): Promise<void> {
    if (!this.consumer) return;
    const ingest = new Ingest(this.consumer);
    const { grpc, thrift_http, thrift_compact, thrift_binary } = this.config.protocols;
    const dropped = this.settings.meter.createCounter('otelcol_receiver_jaeger_dropped_datagrams', {
      description: 'Jaeger agent datagrams dropped: queue full, larger than max_packet_size, undecodable or refused.',
      unit: '{datagrams}',
    });
    if (grpc) this.grpc = new JaegerGrpcServer(grpc, ingest);
    if (thrift_http) this.thriftHttp = new ThriftHttpServer(thrift_http, ingest, this.settings);
    if (thrift_compact)
      this.thriftCompact = new UdpAgentServer(thrift_compact, 'udp_thrift_compact', ingest, this.settings, dropped);
    if (thrift_binary)
      this.thriftBinary = new UdpAgentServer(thrift_binary, 'udp_thrift_binary', ingest, this.settings, dropped);
    const servers: [string, string, Server | undefined][] = [
      ['grpc', grpc?.endpoint ?? '', this.grpc],
      ['thrift_http', thrift_http?.endpoint ?? '', this.thriftHttp],
      ['thrift_compact', thrift_compact?.endpoint ?? '', this.thriftCompact],
      ['thrift_binary', thrift_binary?.endpoint ?? '', this.thriftBinary],
    ];
    try {
      for (const [protocol, endpoint, server] of servers) {
        if (!server) continue;
        await server.start();
        this.settings.logger.info({ protocol, endpoint, port: server.port }, 'Starting Jaeger server');
      }
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([
      this.grpc?.shutdown(),
      this.thriftHttp?.shutdown(),
      this.thriftCompact?.shutdown(),
      this.thriftBinary?.shutdown(),
    ]);
  }
}
