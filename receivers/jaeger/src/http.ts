// thrift_http: the Jaeger collector's POST /api/traces, a jaeger.thrift Batch in the binary
// protocol, answered 202 Accepted once the pipeline took it, as contrib's
// HandleThriftHTTPBatch does; bad requests get a 400 with the reason in plain text.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, createHttpOrHttpsServer, listenOn, type CreateSettings } from '@flowtel/core';
import {
  BodyTooLargeError,
  httpStatusFromGrpc,
  readBody,
  replyText,
  refusalStatus,
  requestHeaders,
} from '@flowtel/otlp';
import { BinaryReader } from '@flowtel/thrift';
import type { ThriftHttpConfig } from './config.ts';
import type { Ingest } from './ingest.ts';
import { decodeBatch } from './thrift-batch.ts';
import { thriftBatchToTraces } from './translate.ts';

const PATH = '/api/traces';
/** contrib's acceptedThriftFormats */
const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

export class ThriftHttpServer {
  private readonly config: ThriftHttpConfig;
  private readonly ingest: Ingest;
  private readonly settings: CreateSettings;
  private server?: Server;
  private stopReload = () => {};

  constructor(config: ThriftHttpConfig, ingest: Ingest, settings: CreateSettings) {
    this.config = config;
    this.ingest = ingest;
    this.settings = settings;
  }

  async start(): Promise<void> {
    const { server, stopReload } = createHttpOrHttpsServer(
      this.config.tls,
      this.settings.configDir,
      (req, res) => void this.handle(req, res).catch((err) => this.reply(res, 500, String(err))),
      this.settings.logger,
      this.config,
    );
    this.stopReload = stopReload;
    await listenOn(server, this.config, 'jaeger receiver');
    this.server = server;
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  private reply(res: ServerResponse, status: number, text?: string): void {
    replyText(res, status, this.config.response_headers, text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.server) res.setHeader('Connection', 'close');
    if ((req.url ?? '/').split('?')[0] !== PATH) {
      req.resume();
      return this.reply(res, 404, '404 page not found');
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return this.reply(res, 405, '405 method not allowed');
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!THRIFT_TYPES.has(contentType)) {
      req.resume();
      return this.reply(res, 400, `Unsupported content type: ${req.headers['content-type'] ?? ''}`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.config.max_request_body_size);
    } catch (err) {
      if (err instanceof BodyTooLargeError) res.setHeader('Connection', 'close');
      return this.reply(
        res,
        err instanceof BodyTooLargeError ? 413 : 400,
        `Unable to process request body: ${(err as Error).message}`,
      );
    }
    let traces;
    try {
      traces = thriftBatchToTraces(decodeBatch(new BinaryReader(body)));
    } catch (err) {
      return this.reply(res, 400, `Unable to process request body: ${(err as Error).message}`);
    }
    const client = {
      address: req.socket.remoteAddress,
      ...(this.config.include_metadata ? { metadata: requestHeaders(req) } : {}),
    };
    try {
      await this.ingest.consume(traces, 'collector_http', client);
    } catch (err) {
      const status = refusalStatus(err);
      return this.reply(res, httpStatusFromGrpc(status.code), `Cannot submit Jaeger batch: ${status.message}`);
    }
    this.reply(res, 202);
  }

  async shutdown(): Promise<void> {
    this.stopReload();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeServer(server);
  }
}
