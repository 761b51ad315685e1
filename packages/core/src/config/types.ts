// Value types that otelcol configs use and zod has no word for.
import { z } from 'zod';

/** configtls's TLS versions */
export const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration ("5s", "1m30s", "200ms") to milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

/** A Go duration string or a number of nanoseconds; the value is milliseconds. */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    if (typeof v === 'number') return v / 1e6;
    const ms = parseDuration(v.trim());
    if (ms === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `'${v}' is not a duration (valid: e.g. 200ms, 5s, 1m30s)` });
      return z.NEVER;
    }
    return ms;
  });

/** `host:port`; an empty host means every interface, as in Go. */
export const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/]*):\d{1,5}$/;

export const endpoint = () =>
  z.string().refine((v) => HOST_PORT.test(v), {
    message: 'must be host:port (e.g. localhost:4317)',
  });

export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  let host = endpoint.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port: Number(endpoint.slice(i + 1)) };
}

/** An otelcol key flowtel refuses, with the reason, rather than accept and ignore. */
export const notInFlowtel = (message: string) => z.undefined({ errorMap: () => ({ message }) }).optional();

/** configtls's keys both sides share (TLS 1.0-1.3 versions, curves, the CA pool). */
const tlsShared = {
  ca_file: z.string().optional(),
  cert_file: z.string().optional(),
  key_file: z.string().optional(),
  include_system_ca_certs_pool: z.boolean().default(false),
  min_version: z.enum(TLS_VERSIONS).default('1.2'),
  max_version: z.enum(TLS_VERSIONS).optional(),
  curve_preferences: z.array(z.enum(['X25519', 'P521', 'P256', 'P384'])).default([]),
  cipher_suites: z
    .array(z.string())
    .max(0, {
      message:
        "cipher_suites is not in flowtel yet: Node takes OpenSSL's cipher names, not Go's, and no mapping is built; leave it empty for the safe defaults",
    })
    .optional(),
  include_insecure_cipher_suites: notInFlowtel(
    'include_insecure_cipher_suites is not in flowtel: it only widens cipher_suites, which flowtel does not take yet',
  ),
  ca_pem: notInFlowtel('ca_pem is not in flowtel yet: put the certificate in a file and name it with ca_file'),
  cert_pem: notInFlowtel('cert_pem is not in flowtel yet: put the certificate in a file and name it with cert_file'),
  key_pem: notInFlowtel('key_pem is not in flowtel yet: put the key in a file and name it with key_file'),
  tpm: notInFlowtel('tpm is not in flowtel: Node cannot load a key from a TPM'),
};

/** min_version above max_version: otelcol's message. */
const versionOrder = (c: { min_version: string; max_version?: string }) =>
  !c.max_version || TLS_VERSIONS.indexOf(c.min_version as never) <= TLS_VERSIONS.indexOf(c.max_version as never);
const VERSION_ORDER = {
  message: 'invalid TLS configuration: min_version cannot be greater than max_version',
  path: ['min_version'],
};

export const tlsServerSchema = z
  .object({
    ...tlsShared,
    client_ca_file: z.string().optional(),
    client_ca_file_reload: notInFlowtel(
      'client_ca_file_reload is not in flowtel yet: set reload_interval, which reads client_ca_file again too',
    ),
    reload_interval: duration().optional(),
  })
  .strict()
  .refine(versionOrder, VERSION_ORDER);

export const tlsClientSchema = z
  .object({
    ...tlsShared,
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    server_name_override: z.string().optional(),
    reload_interval: notInFlowtel(
      'reload_interval is not in flowtel yet for clients: an exporter reads its certificate files once, at start (receivers reload theirs)',
    ),
  })
  .strict()
  .refine(versionOrder, VERSION_ORDER);
