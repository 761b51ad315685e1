// What every HTTP server takes from otelcol's confighttp.ServerConfig and confignet.AddrConfig:
// where it listens (host:port, or a unix socket path with `transport: unix`), its TLS block and
// the timeouts of Go's http.Server, mapped onto Node's http server.
import { createServer as createHttpServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import { z } from 'zod';
import { duration, HOST_PORT, notInFlowtel, splitEndpoint } from './config/types.ts';
import { httpsServerOptions, reloadServerTls, type TlsServerConfig } from './tls.ts';

/** confignet's stream transports a listener can take; tcp4/tcp6 bind one address family only. */
export const LISTEN_TRANSPORTS = ['tcp', 'tcp4', 'tcp6', 'unix'] as const;
export type ListenTransport = (typeof LISTEN_TRANSPORTS)[number];

export interface ListenAddr {
  endpoint: string;
  transport?: ListenTransport;
}

/** confignet's `endpoint` and `transport` keys, checked together by listenAddrProblem. */
export const listenAddrShape = <E extends z.ZodTypeAny>(
  endpoint: E,
  transports: readonly ListenTransport[] = LISTEN_TRANSPORTS,
) => ({
  endpoint,
  transport: z.enum(transports as [ListenTransport, ...ListenTransport[]]).default('tcp'),
});

/** Why an endpoint does not fit its transport: a socket path for unix, host:port otherwise. */
export function listenAddrProblem(addr: ListenAddr): string | undefined {
  if (addr.transport === 'unix') return addr.endpoint === '' ? 'a unix socket endpoint must be a path' : undefined;
  return HOST_PORT.test(addr.endpoint)
    ? undefined
    : 'must be host:port (e.g. localhost:4317), or a socket path with transport: unix';
}

/** zod refinement for a schema built on listenAddrShape: the problem is reported at `endpoint`. */
export function refineListenAddr(addr: ListenAddr, ctx: z.RefinementCtx): void {
  const problem = listenAddrProblem(addr);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: ['endpoint'] });
}

/**
 * Where Node listens: a socket path, or a host and port. Go binds "localhost" to the IPv4
 * loopback (Node might pick ::1 and surprise IPv4 clients); tcp6 is IPv6 only, as Go's.
 */
export function listenOptions(addr: ListenAddr): { path: string } | { host: string; port: number; ipv6Only?: boolean } {
  if (addr.transport === 'unix') return { path: addr.endpoint };
  const { host, port } = splitEndpoint(addr.endpoint);
  const wildcard = host === '0.0.0.0' && addr.endpoint.startsWith(':');
  if (addr.transport === 'tcp6') return { host: wildcard ? '::' : host, port, ipv6Only: true };
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

/** Listens on a config's address; rejects with `who`, the endpoint and the system's reason (the `cause`). */
export function listenOn(server: NetServer, addr: string | ListenAddr, who: string): Promise<void> {
  const a = typeof addr === 'string' ? { endpoint: addr } : addr;
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`${who}: failed to listen on ${a.endpoint}: ${err.message}`, { cause: err })),
    );
    server.listen(listenOptions(a), () => resolve());
  });
}

/**
 * Stops a receiver's HTTP server: in-flight requests wait for their pipelines' answer; a
 * request still open after `graceMs` is cut off.
 */
export function closeServer(server: Server, graceMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => (clearTimeout(force), resolve()));
    server.closeIdleConnections();
  });
}

/**
 * confighttp's http.Server settings, with its defaults (NewDefaultServerConfig). Zero or a
 * negative duration means no timeout, as in Go.
 */
export const httpServerShape = {
  read_timeout: duration().default(0),
  read_header_timeout: duration().default('1m'),
  write_timeout: duration().default('30s'),
  idle_timeout: duration().default('1m'),
  keep_alives_enabled: z.boolean().default(true),
  middlewares: notInFlowtel('middlewares is not in flowtel: it has no middleware extensions for them to name'),
};

/**
 * The confighttp ServerConfig keys a receiver's server takes beside the connection settings:
 * the body cap (otelcol's default, 20 MiB), the client's metadata in the request context, and
 * headers added to every answer.
 */
export const receiverHttpServerShape = {
  ...httpServerShape,
  max_request_body_size: z
    .number()
    .int()
    .positive()
    .default(20 * 1024 * 1024),
  include_metadata: z.boolean().default(false),
  response_headers: z.record(z.string()).default({}),
};

export interface HttpServerSettings {
  read_timeout: number;
  read_header_timeout: number;
  write_timeout: number;
  idle_timeout: number;
  keep_alives_enabled: boolean;
}

const positive = (ms: number) => (ms > 0 ? ms : 0);

/**
 * Go's http.Server timeouts as Node's:
 * - read_timeout (the whole request, body included) is requestTimeout;
 * - read_header_timeout is headersTimeout, read_timeout when zero, and never above
 *   read_timeout (Go's read deadline covers the headers too);
 * - idle_timeout is keepAliveTimeout, read_timeout when zero;
 * - write_timeout runs from the request's headers to the end of the response, as Go's
 *   deadline reset at each request's header; past it the connection is closed (Go's write fails).
 * Node checks request and header timeouts on connectionsCheckingInterval (30 s by default),
 * so it is set to a fraction of the shortest one.
 */
function nodeServerOptions(s: HttpServerSettings): ServerOptions {
  const read = positive(s.read_timeout);
  let headers = positive(s.read_header_timeout) || read;
  if (read > 0 && headers > read) headers = read;
  const shortest = Math.min(...[read, headers].filter((t) => t > 0), 60_000);
  return {
    requestTimeout: Math.ceil(read),
    headersTimeout: Math.ceil(headers),
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(shortest / 4))),
  };
}

function withSettings(handler: RequestListener, s: HttpServerSettings): RequestListener {
  const writeTimeout = positive(s.write_timeout);
  return (req, res) => {
    // Go's SetKeepAlivesEnabled(false): every response closes its connection
    if (!s.keep_alives_enabled) res.setHeader('Connection', 'close');
    if (writeTimeout > 0) {
      const timer = setTimeout(() => res.destroy(), writeTimeout);
      res.once('close', () => clearTimeout(timer));
    }
    handler(req, res);
  };
}

/**
 * An HTTP server, or an HTTPS one when there is a tls block, with confighttp's timeouts when
 * `settings` are given; its certificates are read again on reload_interval, and `stopReload`
 * ends the reloading (call it at shutdown).
 */
export function createHttpOrHttpsServer(
  tls: TlsServerConfig | undefined,
  baseDir: string,
  handler: RequestListener,
  logger: { error(fields: object, message: string): void },
  settings?: HttpServerSettings,
): { server: Server; stopReload: () => void } {
  const options = settings ? nodeServerOptions(settings) : {};
  const listener = settings ? withSettings(handler, settings) : handler;
  let server: Server;
  let stopReload = () => {};
  if (!tls) server = createHttpServer(options, listener);
  else {
    const https = createHttpsServer({ ...options, ...httpsServerOptions(tls, baseDir) }, listener);
    stopReload = reloadServerTls(
      tls,
      baseDir,
      (context) => https.setSecureContext(context),
      (err) => logger.error({ err: err.message }, 'Failed to reload the TLS certificates; keeping the current ones'),
    );
    server = https;
  }
  if (settings) server.keepAliveTimeout = Math.ceil(positive(settings.idle_timeout) || positive(settings.read_timeout));
  return { server, stopReload };
}

/**
 * An extension's HTTP server (health_check, zpages): created with confighttp's settings,
 * listening, later errors logged; a failed bind in otelcol's words.
 */
export async function serveExtensionHttp(
  config: ListenAddr & HttpServerSettings & { tls?: TlsServerConfig },
  baseDir: string,
  handler: RequestListener,
  logger: { error(fields: object, message: string): void },
  who: string,
): Promise<{ server: Server; stopReload: () => void }> {
  const { server, stopReload } = createHttpOrHttpsServer(config.tls, baseDir, handler, logger, config);
  await listenOn(server, config, who).catch((err: Error) => {
    stopReload();
    throw new Error(`failed to bind to address ${config.endpoint}: ${(err.cause as Error).message}`);
  });
  server.on('error', (err) => logger.error({ err: err.message }, `${who} server error`));
  return { server, stopReload };
}

/** A server config's own rules: the endpoint fits the transport; a tls block has a certificate and its key. */
export function refineServerConfig(
  c: ListenAddr & { tls?: { cert_file?: string; key_file?: string } },
  ctx: z.RefinementCtx,
): void {
  refineListenAddr(c, ctx);
  if (c.tls && !(c.tls.cert_file && c.tls.key_file)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['tls'],
      message: 'tls needs both cert_file and key_file to serve HTTPS',
    });
  }
}
