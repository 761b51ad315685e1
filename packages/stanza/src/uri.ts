// uri_parser's reading of a URI: Go's url.ParseRequestURI (an absolute URI or an absolute path,
// as an HTTP request line carries it) and contrib's map of it (parseutils.ParseURI without the
// semconv gate): scheme, user, host, port, path (escaped as Go's EscapedPath) and query (each
// parameter's values as a list), each only when set; a value starting with `?` is a bare query.
import type { Value, ValueMap } from './entry.ts';

type Mode = 'path' | 'host' | 'userinfo' | 'query';

class UrlError extends Error {}

const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);

/** Go's unescape: %XX decoded as bytes (then UTF-8), `+` a space in query components */
function unescape(s: string, mode: Mode): string {
  if (!s.includes('%') && !(mode === 'query' && s.includes('+'))) {
    if (mode === 'host') checkHostChars(s);
    return s;
  }
  const bytes: number[] = [];
  for (let i = 0; i < s.length;) {
    const c = s[i];
    if (c === '%') {
      if (!isHex(s[i + 1] ?? '') || !isHex(s[i + 2] ?? ''))
        throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      const byte = parseInt(s.slice(i + 1, i + 3), 16);
      // RFC 3986: in a host, %-encoding is for non-ASCII bytes (and %25 for a zone's %)
      if (mode === 'host' && byte < 0x80 && s.slice(i, i + 3) !== '%25')
        throw new UrlError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(byte);
      i += 3;
      continue;
    }
    if (mode === 'host') checkHostChars(c);
    if (c === '+' && mode === 'query') bytes.push(0x20);
    else bytes.push(...Buffer.from(c));
    i++;
  }
  return Buffer.from(bytes).toString();
}

/** Go refuses in a host the ASCII characters outside RFC 3986's host grammar (and a few it allows) */
function checkHostChars(s: string): void {
  for (const c of s)
    if (c < '\x80' && !/[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]/.test(c))
      throw new UrlError(`invalid character ${JSON.stringify(c)} in host name`);
}

/** Go's shouldEscape for encodePath: unreserved characters and $&+,/:;=@ stay */
const keepInPath = (c: string) => /[A-Za-z0-9\-._~$&+,/:;=@]/.test(c);

/** Go's escape(s, encodePath) */
function escapePath(s: string): string {
  let out = '';
  for (const c of s) {
    if (keepInPath(c)) out += c;
    else for (const b of Buffer.from(c)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const validOptionalPort = (p: string) => p === '' || /^:\d*$/.test(p);

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${JSON.stringify(colonPort)} after host`);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !validOptionalPort(host.slice(colon)))
      throw new UrlError(`invalid port ${JSON.stringify(host.slice(colon))} after host`);
  }
  return unescape(host, 'host');
}

/** Go's Hostname and Port of a host[:port] */
function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

/**
 * Go's ParseQuery. `strict`: its first error is thrown (a bare ?query, as contrib parses it);
 * otherwise a pair that does not decode is left out, as URL.Query() drops the errors.
 */
function parseQuery(query: string, strict: boolean): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    try {
      if (pair.includes(';')) throw new UrlError('invalid semicolon separator in query');
      const eq = pair.indexOf('=');
      const key = unescape(eq < 0 ? pair : pair.slice(0, eq), 'query');
      const value = eq < 0 ? '' : unescape(pair.slice(eq + 1), 'query');
      m.set(key, [...(m.get(key) ?? []), value]);
    } catch (err) {
      if (strict) throw err;
    }
  }
  return m;
}

function queryMap(query: Map<string, string[]>, m: ValueMap): ValueMap {
  if (query.size === 0) return m;
  const parameters: ValueMap = {};
  for (const [k, values] of query) parameters[k] = values as Value[];
  m.query = parameters;
  return m;
}

/** uri_parser's map of a value, or the error Go's url.ParseRequestURI gives (`parse "x": ...`) */
export function parseUri(value: string): ValueMap {
  // a bare query's error is ParseQuery's own, as contrib returns it
  if (value.startsWith('?')) return queryMap(parseQuery(value.slice(1), true), {});
  try {
    return requestUri(value);
  } catch (err) {
    if (err instanceof UrlError) throw new Error(`parse ${JSON.stringify(value)}: ${err.message}`);
    throw err;
  }
}

function requestUri(raw: string): ValueMap {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError('net/url: invalid control character in URL');
  if (raw === '') throw new UrlError('empty url');
  const m: ValueMap = {};
  if (raw === '*') return { path: '*' };
  // the scheme: letters, then letters, digits, + - .; a ':' first is an error
  let scheme = '';
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c) && i > 0) continue;
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  let rawQuery = '';
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else {
    const q = rest.indexOf('?');
    if (q >= 0) [rest, rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  }
  if (!rest.startsWith('/')) {
    // an opaque URI (mailto:x): only its scheme and query are in the map
    if (scheme) return queryMap(parseQuery(rawQuery, false), { scheme });
    throw new UrlError('invalid URI for request');
  }
  if (scheme) m.scheme = scheme;
  if (scheme && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    const at = authority.lastIndexOf('@');
    const hostPort = parseHost(at < 0 ? authority : authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
      const colon = userinfo.indexOf(':');
      const user = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), 'userinfo');
      if (colon >= 0) unescape(userinfo.slice(colon + 1), 'userinfo');
      if (user) m.user = user;
    }
    const [host, port] = splitHostPort(hostPort);
    if (host) m.host = host;
    if (port) m.port = port;
  }
  const path = unescape(rest, 'path');
  // Go's EscapedPath: the path as written when it is a valid encoding of the decoded path
  const escaped = validEncoded(rest) && safeDecode(rest) === path ? rest : escapePath(path);
  if (escaped) m.path = escaped;
  return queryMap(parseQuery(rawQuery, false), m);
}

/** Go's validEncoded(s, encodePath): RFC 3986's pchar (sub-delims, : @, %-escapes) and what escapePath keeps */
const validEncoded = (s: string) => [...s].every((c) => "!$&'()*+,;=:@[]%".includes(c) || keepInPath(c));

function safeDecode(s: string): string | undefined {
  try {
    return unescape(s, 'path');
  } catch {
    return undefined;
  }
}
