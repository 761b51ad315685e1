// configtls's `tls` block as Node TLS options, for every server and client that takes one.
// Relative paths resolve from the config's directory. What otelcol's crypto/tls settings mean
// here: min_version/max_version are Node's minVersion/maxVersion (otelcol's default minimum is
// TLS 1.2, as Node's), curve_preferences is Node's ecdhCurve list, include_system_ca_certs_pool
// adds Node's bundled roots (tls.rootCertificates) to ca_file, and a server's reload_interval
// reads its certificate, key and client CA files again on that interval.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rootCertificates, type SecureContextOptions, type SecureVersion } from 'node:tls';
import type { z } from 'zod';
import type { tlsClientSchema, tlsServerSchema } from './config/types.ts';

export type TlsServerConfig = z.output<typeof tlsServerSchema>;
export type TlsClientConfig = z.output<typeof tlsClientSchema>;

/** Reads a PEM file a tls block names; the error names the key and the path. */
export function readPem(baseDir: string, file: string | undefined, what: string): Buffer | undefined {
  if (!file) return undefined;
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`tls::${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** configtls's curve names and OpenSSL's. */
export const TLS_CURVES: Record<string, string> = { X25519: 'X25519', P256: 'P-256', P384: 'P-384', P521: 'P-521' };

/** The protocol versions and key-exchange curves both sides take. */
export function tlsProtocolOptions(
  c: Pick<TlsServerConfig, 'min_version' | 'max_version' | 'curve_preferences'>,
): Pick<SecureContextOptions, 'minVersion' | 'maxVersion' | 'ecdhCurve'> {
  const version = (v: string | undefined) => (v ? (`TLSv${v}` as SecureVersion) : undefined);
  return {
    minVersion: version(c.min_version),
    maxVersion: version(c.max_version),
    ecdhCurve: c.curve_preferences.length > 0 ? c.curve_preferences.map((n) => TLS_CURVES[n]).join(':') : undefined,
  };
}

/** ca_file, and the system's roots beside it with include_system_ca_certs_pool; undefined: Node's roots. */
export function trustedCas(
  c: Pick<TlsClientConfig, 'ca_file' | 'include_system_ca_certs_pool'>,
  baseDir: string,
): Array<string | Buffer> | undefined {
  const ca = readPem(baseDir, c.ca_file, 'ca_file');
  if (!ca) return undefined;
  return c.include_system_ca_certs_pool ? [...rootCertificates, ca] : [ca];
}

/** What a server presents and whom it asks for a certificate: its files as they are now. */
export function serverSecureContext(c: TlsServerConfig, baseDir: string): SecureContextOptions {
  return {
    ...tlsProtocolOptions(c),
    cert: readPem(baseDir, c.cert_file, 'cert_file'),
    key: readPem(baseDir, c.key_file, 'key_file'),
    ca: readPem(baseDir, c.client_ca_file, 'client_ca_file'),
  };
}

/** An HTTPS server's options: its context, and client certificates required when client_ca_file is set. */
export function httpsServerOptions(
  c: TlsServerConfig,
  baseDir: string,
): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  const mutual = c.client_ca_file !== undefined;
  return { ...serverSecureContext(c, baseDir), requestCert: mutual, rejectUnauthorized: mutual };
}

/** A client's identity and trust: its files as they are now. */
export function clientSecureContext(c: TlsClientConfig, baseDir: string): SecureContextOptions {
  return {
    ...tlsProtocolOptions(c),
    ca: trustedCas(c, baseDir),
    cert: readPem(baseDir, c.cert_file, 'cert_file'),
    key: readPem(baseDir, c.key_file, 'key_file'),
  };
}

/**
 * A server's reload_interval: reads the files again on the interval and hands the new context
 * to `apply` (handshakes from then on use it; open connections keep theirs). A read that fails
 * (a certificate half-written by a rotation) keeps the context in use and goes to `failed`.
 * Returns the stop function; without an interval there is nothing to stop.
 */
export function reloadServerTls(
  c: TlsServerConfig,
  baseDir: string,
  apply: (context: SecureContextOptions) => void,
  failed: (err: Error) => void,
): () => void {
  if (!c.reload_interval) return () => {};
  const timer = setInterval(() => {
    let context;
    try {
      context = serverSecureContext(c, baseDir);
      apply(context);
    } catch (err) {
      failed(err as Error);
    }
  }, c.reload_interval);
  timer.unref();
  return () => clearInterval(timer);
}

/** An HTTPS client's options: its context, the name it checks, and whether it checks at all. */
export function httpsClientOptions(
  c: TlsClientConfig,
  baseDir: string,
): SecureContextOptions & { servername?: string; rejectUnauthorized: boolean } {
  return {
    ...clientSecureContext(c, baseDir),
    servername: c.server_name_override,
    rejectUnauthorized: !c.insecure_skip_verify,
  };
}
