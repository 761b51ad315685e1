// The zipkin receiver: Zipkin's POST /api/v2/spans (JSON, or protobuf by Content-Type) and
// /api/v1/spans (refused for now), gzip/deflate/zlib bodies, answered 202 Accepted once the pipeline took the spans,
// as contrib's zipkinreceiver does. As there, a path without api/v1/spans is read as v2.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  asConsumerError,
  createHttpOrHttpsServer,
  listenOn,
  type ClientInfo,
  type Consumer,
  type CreateSettings,
  type Receiver,
  type Consumers,
} from '@flowtel/core';
import { BodyTooLargeError, decompress, readBody, replyText, requestHeaders } from '@flowtel/otlp';
import { spanCount, type Traces } from '@flowtel/pdata';
import { decodeSpansJson, decodeSpansProto, zipkinToTraces } from '@flowtel/zipkin';
import type { ZipkinReceiverConfig } from './config.ts';

export class ZipkinReceiver implements Receiver {
  private readonly settings: CreateSettings;
  private readonly config: ZipkinReceiverConfig;
  private readonly consumer?: Consumer;
  private server?: Server;
  private stopReload = () => {};

  constructor(settings: CreateSettings, config: ZipkinReceiverConfig, consumers: Consumers) {
    this.settings = settings;
    this.config = config;
    this.consumer = consumers.traces;
  }

  async start(): Promise<void> {
    if (!this.consumer) return;
    const { server, stopReload } = createHttpOrHttpsServer(
      this.config.tls,
      this.settings.configDir,
      (req, res) => void this.handle(req, res).catch((err) => this.reply(res, 500, String(err))),
      this.settings.logger,
      this.config,
    );
    this.stopReload = stopReload;
    await listenOn(server, this.config, 'zipkin receiver');
    this.server = server;
    this.settings.logger.info({ endpoint: this.config.endpoint, port: this.port }, 'Starting Zipkin server');
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  private reply(res: ServerResponse, status: number, text?: string): void {
    replyText(res, status, this.config.response_headers, text);
  }

  /** contrib's processBodyIfNecessary: gzip, deflate and zlib bodies inflated; a body that does not inflate is read as it came */
  private async inflate(req: IncomingMessage, body: Buffer): Promise<Buffer> {
    const encoding = req.headers['content-encoding'];
    const compression =
      encoding === 'gzip' ? 'gzip' : encoding === 'deflate' || encoding === 'zlib' ? 'zlib' : undefined;
    if (!compression) return body;
    try {
      return await decompress(compression, body, this.config.max_request_body_size);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw err;
      return body;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.server) res.setHeader('Connection', 'close');
    const v1 = (req.url ?? '').split('?')[0].includes('api/v1/spans');
    const contentType = req.headers['content-type'];
    const transport = v1
      ? contentType === 'application/x-thrift'
        ? 'http_v1_thrift'
        : 'http_v1_json'
      : contentType === 'application/x-protobuf'
        ? 'http_v2_proto'
        : 'http_v2_json';
    let traces: Traces;
    try {
      const body = await this.inflate(req, await readBody(req, this.config.max_request_body_size));
      if (v1)
        throw new Error('Zipkin v1 is not in flowtel yet: send v2 (zipkin reporters default to /api/v2/spans) or OTLP');
      const spans = transport === 'http_v2_proto' ? decodeSpansProto(body) : decodeSpansJson(body.toString('utf8'));
      traces = zipkinToTraces(spans, this.config.parse_string_tags);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('Connection', 'close');
        return this.reply(res, 413, err.message);
      }
      return this.reply(res, 400, (err as Error).message);
    }
    const client: ClientInfo = { address: req.socket.remoteAddress };
    if (this.config.include_metadata) client.metadata = requestHeaders(req);
    try {
      await this.consumer!.consume({ signal: 'traces', data: traces, items: spanCount(traces), transport, client });
    } catch (err) {
      // contrib's answers: a permanent refusal is the client's fault, anything else the collector's
      return asConsumerError(err).retryable
        ? this.reply(res, 500, '"Internal Server Error"')
        : this.reply(res, 400, '"Bad Request"');
    }
    this.reply(res, 202);
  }

  async shutdown(): Promise<void> {
    this.stopReload();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      server.close(() => (clearTimeout(force), resolve()));
      server.closeIdleConnections();
    });
  }
}
