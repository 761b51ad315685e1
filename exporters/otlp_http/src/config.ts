import { duration, exporterHelperShape, notInFlowtel, opaque, proxyUrlSchema, tlsClientSchema, z } from '@flowtel/core';
import { authConfigSchema, compressionLevelProblem } from '@flowtel/otlp';

const url = () => z.string().url();

export const otlpHttpExporterConfigSchema = z
  .object({
    ...exporterHelperShape,
    timeout: duration().default('30s'),
    /** the base URL; /v1/traces, /v1/metrics, /v1/logs and /v1development/profiles are appended */
    endpoint: url().optional(),
    /** full URLs that replace endpoint + /v1/<signal> */
    traces_endpoint: url().optional(),
    metrics_endpoint: url().optional(),
    logs_endpoint: url().optional(),
    profiles_endpoint: url().optional(),
    encoding: z.enum(['proto', 'json']).default('proto'),
    compression: z
      .enum(['gzip', 'deflate', 'zlib', 'zstd', 'snappy', 'x-snappy-framed', 'lz4', 'none', ''])
      .default('gzip'),
    /** level: zlib family -2..9 (-1 default, -2 Huffman only), zstd any; 0 is the codec's default */
    compression_params: z
      .object({ level: z.number().int().default(0) })
      .strict()
      .default({}),
    headers: z.record(opaque()).default({}),
    tls: tlsClientSchema.default({}),
    auth: authConfigSchema.optional(),
    // confighttp's pool keys with Go's http.Transport meanings and otelcol's defaults
    // (NewDefaultClientConfig: DefaultTransport's 100 idle connections, 90s)
    max_conns_per_host: z.number().int().nonnegative().default(0),
    max_idle_conns: z.number().int().nonnegative().default(100),
    /** 0: Go's DefaultMaxIdleConnsPerHost, 2 */
    max_idle_conns_per_host: z.number().int().nonnegative().default(0),
    idle_conn_timeout: duration().default('90s'),
    disable_keep_alives: z.boolean().default(false),
    /** `false` is what flowtel does; otelcol's default, true, asks for HTTP/2, which Node's http client lacks */
    force_attempt_http2: z
      .boolean()
      .refine((v) => !v, {
        message:
          "force_attempt_http2: true is not in flowtel: its HTTP client speaks HTTP/1.1 (Node's http) to every backend",
      })
      .optional(),
    http2_read_idle_timeout: notInFlowtel(
      "http2_read_idle_timeout is not in flowtel: its HTTP client speaks HTTP/1.1 (Node's http), there is no HTTP/2 connection to health-check",
    ),
    http2_ping_timeout: notInFlowtel(
      "http2_ping_timeout is not in flowtel: its HTTP client speaks HTTP/1.1 (Node's http), there is no HTTP/2 connection to ping",
    ),
    /** every request through this proxy; unset: HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Go reads them */
    proxy_url: proxyUrlSchema,
    cookies: notInFlowtel('cookies is not in flowtel yet: the exporter keeps no cookie jar'),
    middlewares: notInFlowtel('middlewares is not in flowtel: it has no middleware extensions for them to name'),
    read_buffer_size: notInFlowtel(
      "read_buffer_size is not in flowtel: Node's HTTP client has no per-connection read buffer to size",
    ),
    write_buffer_size: notInFlowtel(
      "write_buffer_size is not in flowtel: Node's HTTP client has no per-connection write buffer to size",
    ),
  })
  .strict()
  .superRefine((c, ctx) => {
    const problem =
      c.compression === 'none' || c.compression === ''
        ? undefined
        : compressionLevelProblem(c.compression, c.compression_params.level);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: ['compression_params', 'level'] });
    // otelcol's words (otlphttpexporter/config.go); it has no default endpoint either
    if (!(c.endpoint || c.traces_endpoint || c.metrics_endpoint || c.logs_endpoint || c.profiles_endpoint))
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'at least one endpoint must be specified' });
  });

export type OtlpHttpExporterConfig = z.output<typeof otlpHttpExporterConfigSchema>;
