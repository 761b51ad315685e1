import { z, duration } from '@flowtel/core';
import { PROTOCOL_PARSERS } from './protocols/index.ts';

export const protocolNames = () => PROTOCOL_PARSERS.map((p) => p.name.toLowerCase());

export const configSchema = z
  .object({
    /** protocols to parse, by name; default every protocol flowtel knows */
    protocols: z.array(z.string()).optional(),
    redaction: z
      .object({
        /**
         * mask secrets and values: Authorization, Proxy-Authorization, Cookie and Set-Cookie
         * headers, SQL literals and comments, Redis and MongoDB values, secret URL query values
         */
        enabled: z.boolean().default(true),
        /** query parameter names (any case) whose values are redacted besides the built-in list */
        secret_query_parameters: z.array(z.string()).default([]),
      })
      .strict()
      .default({}),
    /** request/response header names recorded as http.request.header.<name> */
    capture_headers: z.array(z.string()).default([]),
    /** a request with no response after this long becomes an unanswered request log */
    request_timeout: duration().default('30s'),
    /** a connection idle this long is forgotten (its waiting requests reported) */
    idle_timeout: duration().default('120s'),
    max_connections: z.number().int().positive().default(65536),
    max_pending_per_connection: z.number().int().positive().default(256),
    trace_correlation: z
      .object({
        /** a client call made by a thread while it serves a request is that request's child */
        syscall: z.boolean().default(true),
        /** x-request-id links hops */
        request_id: z.boolean().default(true),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        /** how often RED metrics are emitted in a metrics pipeline */
        interval: duration().default('10s'),
        max_series: z.number().int().positive().default(10000),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const known = protocolNames();
    for (const [i, p] of (c.protocols ?? []).entries())
      if (!known.includes(p.toLowerCase()))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['protocols', i],
          message: `unknown protocol "${p}" (valid values: ${known.join(', ')})`,
        });
  });

export type L7Config = z.output<typeof configSchema>;
