// The one way flowtel sends HTTP out: Go's net/http proxy rules for every exporter and client.
// Without confighttp's proxy_url, the proxy comes from the environment as Go's
// http.ProxyFromEnvironment reads it (golang.org/x/net/http/httpproxy): HTTPS_PROXY for https
// targets, HTTP_PROXY for http ones (upper case first, then lower case), NO_PROXY's exceptions,
// and localhost or a loopback address never proxied. With proxy_url, every request goes through
// that proxy (Go's http.ProxyURL: no exceptions). An https target is reached through a CONNECT
// tunnel with TLS end to end; an http target is sent to the proxy in absolute form, as Go does.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type AgentOptions,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions as HttpsAgentOptions } from 'node:https';
import { BlockList, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { z } from 'zod';

/** A proxy URL as Go's url.Parse and Transport take it: http and https proxies. */
export function parseProxyUrl(value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // httpproxy: a value without a scheme (proxy:3128) is read as http://proxy:3128
  if (!url || !url.host) {
    try {
      url = new URL(`http://${value}`);
    } catch {
      throw new Error(`proxy ${JSON.stringify(value)} is not a URL`);
    }
  }
  if (url.protocol === 'socks5:' || url.protocol === 'socks5h:')
    throw new Error(`proxy ${url.protocol}//${url.host}: SOCKS5 proxies are not in flowtel; use an HTTP(S) proxy`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`proxy ${url.protocol}//${url.host}: the scheme must be http or https`);
  return url;
}

/** confighttp's proxy_url: checked when the config is read, honoured by HttpTransport. */
export const proxyUrlSchema = z
  .string()
  .superRefine((v, ctx) => {
    try {
      parseProxyUrl(v);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    }
  })
  .optional();

interface IpRule {
  list: BlockList;
  port: string;
}
interface DomainRule {
  /** with a leading dot */
  suffix: string;
  /** the entry had no leading dot: the domain itself matches too */
  matchHost: boolean;
  port: string;
}

const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
const defaultPort = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80');
const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

function isLoopback(ip: string): boolean {
  if (isIP(ip) === 4) return ip.startsWith('127.');
  return ip === '::1' || /^::ffff:127\./i.test(ip);
}

/** The proxies the environment names, and NO_PROXY's exceptions, read as Go reads them. */
export class EnvironmentProxies {
  readonly http?: URL;
  readonly https?: URL;
  private readonly all: boolean = false;
  private readonly ipRules: IpRule[] = [];
  private readonly domainRules: DomainRule[] = [];

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const read = (upper: string) => env[upper] || env[upper.toLowerCase()] || '';
    const httpProxy = read('HTTP_PROXY');
    const httpsProxy = read('HTTPS_PROXY');
    // A bogus value is no proxy for Go too (parseProxy's error leaves the field nil); SOCKS5 is
    // refused loudly: going direct would silently bypass a proxy the user relies on
    const parse = (name: string, v: string) => {
      if (!v) return undefined;
      try {
        return parseProxyUrl(v);
      } catch (err) {
        if (/SOCKS5/.test((err as Error).message)) throw new Error(`${name}: ${(err as Error).message}`);
        return undefined;
      }
    };
    this.http = parse('HTTP_PROXY', httpProxy);
    this.https = parse('HTTPS_PROXY', httpsProxy);
    for (const raw of read('NO_PROXY').split(',')) {
      const p = raw.trim().toLowerCase();
      if (!p) continue;
      if (p === '*') {
        this.all = true;
        break;
      }
      const cidr = /^(.+)\/(\d{1,3})$/.exec(p);
      if (cidr && isIP(cidr[1]!)) {
        const list = new BlockList();
        list.addSubnet(cidr[1]!, Number(cidr[2]), family(cidr[1]!));
        this.ipRules.push({ list, port: '' });
        continue;
      }
      // host:port, [v6]:port, or a bare host (a bare IPv6 address has colons but no port)
      let host = p;
      let port = '';
      const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(p);
      if (bracketed) [host, port] = [bracketed[1]!, bracketed[2] ?? ''];
      else if (isIP(p) !== 6) {
        const hp = /^(.*):(\d*)$/.exec(p);
        if (hp) [host, port] = [hp[1]!, hp[2]!];
      }
      if (!host) continue;
      if (isIP(host)) {
        const list = new BlockList();
        list.addAddress(host, family(host));
        this.ipRules.push({ list, port });
        continue;
      }
      // foo.com matches foo.com and bar.foo.com; .foo.com and *.foo.com only the subdomains
      if (host.startsWith('*.')) host = host.slice(1);
      const matchHost = !host.startsWith('.');
      this.domainRules.push({ suffix: matchHost ? `.${host}` : host, matchHost, port });
    }
  }

  /** The proxy for this target, or undefined to go direct. */
  proxyFor(target: URL): URL | undefined {
    const proxy = target.protocol === 'https:' ? this.https : target.protocol === 'http:' ? this.http : undefined;
    return proxy && this.useProxy(target) ? proxy : undefined;
  }

  private useProxy(target: URL): boolean {
    const host = bareHost(target.hostname);
    const port = defaultPort(target);
    if (host === 'localhost') return false;
    const ip = isIP(host) ? host : undefined;
    if (ip && isLoopback(ip)) return false;
    if (this.all) return false;
    if (ip && this.ipRules.some((r) => r.list.check(ip, family(ip)) && (r.port === '' || r.port === port)))
      return false;
    return !this.domainRules.some(
      (r) =>
        (host.endsWith(r.suffix) || (r.matchHost && host === r.suffix.slice(1))) && (r.port === '' || r.port === port),
    );
  }
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  return { 'proxy-authorization': `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

type ConnectCallback = (err: Error | null, socket?: Duplex) => void;

/**
 * An https Agent whose connections are CONNECT tunnels through one proxy: the TLS session runs
 * end to end with the target inside the tunnel, so the proxy sees only the target's host:port.
 * Pooling stays the Agent's, keyed by target as for direct connections.
 */
class TunnelAgent extends HttpsAgent {
  private readonly proxy: URL;
  private readonly proxyTls: ConnectionOptions;

  constructor(proxy: URL, options: HttpsAgentOptions) {
    super(options);
    this.proxy = proxy;
    this.proxyTls = options;
  }

  // Node's Agent takes the socket from this callback (the asynchronous form of createConnection)
  override createConnection(options: RequestOptions & ConnectionOptions, callback: ConnectCallback): undefined {
    const host = bareHost(String(options.host ?? options.hostname ?? 'localhost'));
    const target = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 443}`;
    const proxy = this.proxy;
    const secure = proxy.protocol === 'https:';
    const connectReq = (secure ? httpsRequest : httpRequest)({
      host: bareHost(proxy.hostname),
      port: defaultPort(proxy),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...proxyAuthorization(proxy) },
      agent: false,
      ...(secure ? { ...this.proxyTls, servername: isIP(bareHost(proxy.hostname)) ? undefined : proxy.hostname } : {}),
    });
    let done = false;
    const finish = (err: Error | null, socket?: Duplex) => {
      if (done) return;
      done = true;
      callback(err, socket);
    };
    connectReq.once('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        finish(
          new Error(`proxy ${proxy.host} refused CONNECT ${target}: ${res.statusCode} ${res.statusMessage ?? ''}`),
        );
        return;
      }
      const tls = tlsConnect({
        ...options,
        socket,
        servername: options.servername || (isIP(host) ? undefined : host),
      } as ConnectionOptions);
      finish(null, tls);
    });
    connectReq.once('error', (err) => finish(new Error(`proxy ${proxy.host}: ${err.message}`, { cause: err })));
    connectReq.end();
    return undefined;
  }
}

export interface HttpTransportOptions {
  /** confighttp's proxy_url: every request through it. Unset: the environment's proxies. */
  proxyUrl?: string;
  /** the connection pool's options, for direct and proxied connections alike */
  pool?: AgentOptions;
  /** TLS towards https targets (and https proxies) */
  tls?: HttpsAgentOptions;
  /** the environment read for proxies (process.env) */
  env?: NodeJS.ProcessEnv;
}

/** An HTTP client's connections: direct, through a forward proxy, or through CONNECT tunnels. */
export class HttpTransport {
  private readonly options: HttpTransportOptions;
  private readonly fixedProxy?: URL;
  private readonly environment?: EnvironmentProxies;
  private readonly agents = new Map<string, HttpAgent>();

  constructor(options: HttpTransportOptions = {}) {
    this.options = options;
    if (options.proxyUrl) this.fixedProxy = parseProxyUrl(options.proxyUrl);
    else this.environment = new EnvironmentProxies(options.env);
  }

  /** The proxy a request to this URL goes through, or undefined when it goes direct. */
  proxyFor(url: URL): URL | undefined {
    return this.fixedProxy ?? this.environment?.proxyFor(url);
  }

  /** http(s).request to url; options must not carry host, port, path or agent. */
  request(url: URL, options: RequestOptions, callback?: (res: IncomingMessage) => void): ClientRequest {
    const https = url.protocol === 'https:';
    const proxy = this.proxyFor(url);
    if (!proxy)
      return (https ? httpsRequest : httpRequest)(url, { ...options, agent: this.agent('direct', https) }, callback);
    if (https) return httpsRequest(url, { ...options, agent: this.tunnel(proxy) }, callback);
    // a plain http target: the whole URL as the request target, sent to the proxy
    const secureProxy = proxy.protocol === 'https:';
    return (secureProxy ? httpsRequest : httpRequest)(
      {
        ...options,
        host: bareHost(proxy.hostname),
        port: defaultPort(proxy),
        path: url.href,
        headers: { ...options.headers, host: url.host, ...proxyAuthorization(proxy) },
        agent: this.agent(`forward ${proxy.href}`, secureProxy),
        ...(secureProxy && !isIP(bareHost(proxy.hostname)) ? { servername: proxy.hostname } : {}),
      },
      callback,
    );
  }

  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agent(key: string, secure: boolean): HttpAgent {
    const id = `${key} ${secure}`;
    let agent = this.agents.get(id);
    if (!agent) {
      agent = secure ? new HttpsAgent({ ...this.options.pool, ...this.options.tls }) : new HttpAgent(this.options.pool);
      this.agents.set(id, agent);
    }
    return agent;
  }

  private tunnel(proxy: URL): HttpAgent {
    const id = `tunnel ${proxy.href}`;
    let agent = this.agents.get(id);
    if (!agent) {
      agent = new TunnelAgent(proxy, { ...this.options.pool, ...this.options.tls });
      this.agents.set(id, agent);
    }
    return agent;
  }
}
