// OTLP/HTTP: POST protobuf or JSON to /v1/{traces,metrics,logs}, answered as otelcol does.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  closeServer,
  createHttpOrHttpsServer,
  listenOn,
  type CreateSettings,
  type PipelineSignal,
} from '@flowtel/core';
import {
  BodyTooLargeError,
  ContentEncodingError,
  GrpcCode,
  codecFor,
  decompress,
  encodeRpcStatus,
  httpStatusFromGrpc,
  parseContentEncoding,
  readBody,
  requestHeaders,
  refusalStatus,
  rpcStatusToJson,
  type RpcStatus,
  type Ingest,
  type Unauthenticated,
} from '@flowtel/otlp';
import type { HttpConfig } from './config.ts';
import { Cors } from './cors.ts';

type Encoding = 'proto' | 'json';

const CONTENT_TYPES: Record<string, Encoding> = {
  'application/x-protobuf': 'proto',
  'application/protobuf': 'proto',
  'application/json': 'json',
};
const RESPONSE_TYPE: Record<Encoding, string> = { proto: 'application/x-protobuf', json: 'application/json' };

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

export class OtlpHttpServer {
  private readonly config: HttpConfig;
  private readonly ingest: Ingest;
  private readonly baseDir: string;
  private readonly routes = new Map<string, PipelineSignal>();
  private readonly cors?: Cors;
  private readonly logger: CreateSettings['logger'];
  private server?: Server;
  private stopReload = () => {};

  constructor(config: HttpConfig, ingest: Ingest, baseDir: string, logger: CreateSettings['logger']) {
    this.config = config;
    this.ingest = ingest;
    this.baseDir = baseDir;
    this.logger = logger;
    const paths: Record<PipelineSignal, string> = {
      traces: config.traces_url_path,
      metrics: config.metrics_url_path,
      logs: config.logs_url_path,
      // otelcol serves profiles at a fixed path (otlpreceiver's defaultProfilesURLPath): no config key
      profiles: codecFor('profiles').httpPath,
    };
    for (const signal of ingest.signals) this.routes.set(paths[signal], signal);
    if (config.cors) this.cors = new Cors(config.cors);
  }

  async start(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err) => this.fail(res, 'proto', { code: GrpcCode.INTERNAL, message: String(err) }));
    };
    const { server, stopReload } = createHttpOrHttpsServer(
      this.config.tls,
      this.baseDir,
      handler,
      this.logger,
      this.config,
    );
    this.stopReload = stopReload;
    await listenOn(server, this.config, 'otlp receiver');
    this.server = server;
  }

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // shutting down: answer, then close the connection, as Go's Server.Shutdown stops keep-alives
    if (!this.server) res.setHeader('Connection', 'close');
    for (const [k, v] of Object.entries(this.config.response_headers)) res.setHeader(k, v);
    if (this.cors?.handle(req, res)) return;
    const headers = this.ingest.needsHeaders ? requestHeaders(req) : {};
    const encoding = CONTENT_TYPES[mediaType(req.headers['content-type'])];
    let auth;
    try {
      auth = await this.ingest.authenticate(headers);
    } catch (err) {
      req.resume();
      return this.fail(res, encoding ?? 'proto', {
        code: GrpcCode.UNAUTHENTICATED,
        message: (err as Unauthenticated).message,
      });
    }
    const signal = this.routes.get((req.url ?? '/').split('?')[0]);
    if (!signal) return this.plain(req, res, 404, '404 page not found');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.plain(req, res, 405, '405 method not allowed, supported: [POST]');
    }
    if (!encoding)
      return this.plain(
        req,
        res,
        415,
        '415 unsupported media type, supported: [application/json, application/x-protobuf]',
      );

    let body: Buffer;
    try {
      const compression = parseContentEncoding(req.headers['content-encoding']);
      const taken = this.config.compression_algorithms;
      if (taken && !(taken as string[]).includes(compression ?? '')) {
        throw new ContentEncodingError(
          `unsupported Content-Encoding "${req.headers['content-encoding'] ?? ''}" (compression_algorithms: ${JSON.stringify(taken)})`,
        );
      }
      body = await readBody(req, this.config.max_request_body_size);
      if (compression) body = await decompress(compression, body, this.config.max_request_body_size);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('Connection', 'close');
        return this.fail(res, encoding, { code: GrpcCode.RESOURCE_EXHAUSTED, message: err.message }, 413);
      }
      const message =
        err instanceof ContentEncodingError
          ? err.message
          : `failed to read the request body: ${(err as Error).message}`;
      return this.fail(res, encoding, { code: GrpcCode.INVALID_ARGUMENT, message });
    }

    const codec = codecFor(signal);
    let data;
    try {
      data = encoding === 'json' ? codec.fromJsonPassThrough(body) : codec.decodePassThrough(body);
    } catch (err) {
      return this.fail(res, encoding, {
        code: GrpcCode.INVALID_ARGUMENT,
        message: `failed to unmarshal request: ${(err as Error).message}`,
      });
    }
    try {
      await this.ingest.consume(signal, data, this.ingest.client(req.socket.remoteAddress, headers, auth));
    } catch (err) {
      return this.fail(res, encoding, refusalStatus(err));
    }
    const reply = encoding === 'json' ? codec.responseToJson({}) : codec.encodeResponse({});
    res.writeHead(200, { 'Content-Type': RESPONSE_TYPE[encoding] }).end(reply);
  }

  /** Routing errors answer in plain text, as Go's mux does. */
  private plain(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
    req.resume();
    res
      .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
      .end(`${text}\n`);
  }

  /** An rpc.Status in the request's encoding, with Retry-After when the refuser gave a delay. */
  private fail(
    res: ServerResponse,
    encoding: Encoding,
    status: RpcStatus,
    httpStatus = httpStatusFromGrpc(status.code),
  ): void {
    if (res.headersSent) return void res.destroy();
    if ((httpStatus === 429 || httpStatus === 503) && status.retryDelayMs !== undefined) {
      res.setHeader('Retry-After', String(Math.ceil(status.retryDelayMs / 1000)));
    }
    const body = encoding === 'json' ? rpcStatusToJson(status) : encodeRpcStatus(status);
    res.writeHead(httpStatus, { 'Content-Type': RESPONSE_TYPE[encoding] }).end(body);
  }

  async shutdown(): Promise<void> {
    this.stopReload();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeServer(server);
  }
}
