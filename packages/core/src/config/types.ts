// Value types that otelcol configs use and zod has no word for.
import { z } from 'zod';

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
export const endpoint = () =>
  z.string().refine((v) => /^(\[[0-9a-fA-F:.]+\]|[^\s:/]*):\d{1,5}$/.test(v), {
    message: 'must be host:port (e.g. localhost:4317)',
  });

export function splitEndpoint(endpoint: string): { host: string; port: number } {
  const i = endpoint.lastIndexOf(':');
  let host = endpoint.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port: Number(endpoint.slice(i + 1)) };
}

export const tlsServerSchema = z
  .object({
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    ca_file: z.string().optional(),
    client_ca_file: z.string().optional(),
    min_version: z.string().optional(),
    max_version: z.string().optional(),
  })
  .strict();

export const tlsClientSchema = z
  .object({
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    ca_file: z.string().optional(),
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    server_name_override: z.string().optional(),
    min_version: z.string().optional(),
    max_version: z.string().optional(),
  })
  .strict();

/** An otelcol key flowtel refuses, with the reason, rather than accept and ignore. */
export const notInFlowtel = (message: string) => z.undefined({ errorMap: () => ({ message }) }).optional();
