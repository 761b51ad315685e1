// CORS for browser clients, as otelcol's confighttp does it with rs/cors: origins may hold
// one `*` wildcard, preflights are answered here, simple requests get the allow headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsConfig } from './config.ts';

/** rs/cors always allows these request headers. */
const ALWAYS_ALLOWED = ['origin', 'accept', 'content-type', 'x-requested-with'];

function originMatcher(patterns: string[]): (origin: string) => boolean {
  const tests = patterns.map((p) => {
    if (p === '*') return () => true;
    const star = p.indexOf('*');
    if (star < 0) return (o: string) => o.toLowerCase() === p.toLowerCase();
    const prefix = p.slice(0, star).toLowerCase();
    const suffix = p.slice(star + 1).toLowerCase();
    return (o: string) =>
      o.length >= prefix.length + suffix.length &&
      o.toLowerCase().startsWith(prefix) &&
      o.toLowerCase().endsWith(suffix);
  });
  return (origin) => tests.some((t) => t(origin));
}

export class Cors {
  private readonly allowsOrigin: (origin: string) => boolean;
  private readonly allowedHeaders: Set<string>;
  private readonly anyHeader: boolean;
  private readonly maxAge: number;

  constructor(config: CorsConfig) {
    this.allowsOrigin = originMatcher(config.allowed_origins);
    this.anyHeader = config.allowed_headers.includes('*');
    this.allowedHeaders = new Set([...ALWAYS_ALLOWED, ...config.allowed_headers.map((h) => h.toLowerCase())]);
    this.maxAge = config.max_age;
  }

  /** Answers a preflight (returns true), or adds the headers a simple request needs. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    res.appendHeader('Vary', 'Origin');
    if (!preflight) {
      if (origin && this.allowsOrigin(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
      return false;
    }
    res.appendHeader('Vary', 'Access-Control-Request-Method');
    res.appendHeader('Vary', 'Access-Control-Request-Headers');
    const requested = (req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const ok =
      origin !== undefined &&
      this.allowsOrigin(origin) &&
      req.headers['access-control-request-method'] === 'POST' &&
      (this.anyHeader || requested.every((h) => this.allowedHeaders.has(h)));
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      if (requested.length) res.setHeader('Access-Control-Allow-Headers', requested.join(', '));
      if (this.maxAge > 0) res.setHeader('Access-Control-Max-Age', String(this.maxAge));
    }
    res.writeHead(204).end();
    return true;
  }
}
