// contrib's zipkinexporter config: endpoint (no default), format json|proto,
// default_service_name, confighttp client keys and the exporter helper's queue, retry, timeout.
import { duration, exporterHelperShape, notInFlowtel, proxyUrlSchema, tlsClientSchema, z } from '@flowtel/core';

export const zipkinExporterConfigSchema = z
  .object({
    ...exporterHelperShape,
    /** the full URL spans are POSTed to, e.g. http://zipkin:9411/api/v2/spans */
    endpoint: z.string().url(),
    format: z.enum(['json', 'proto']).default('json'),
    default_service_name: z.string().default('<missing service name>'),
    compression: z.enum(['gzip', 'deflate', 'zlib', 'none', '']).default(''),
    headers: z.record(z.string()).default({}),
    tls: tlsClientSchema.default({}),
    max_conns_per_host: z.number().int().nonnegative().default(0),
    max_idle_conns: z.number().int().nonnegative().optional(),
    max_idle_conns_per_host: z.number().int().nonnegative().optional(),
    idle_conn_timeout: duration().default('90s'),
    disable_keep_alives: z.boolean().default(false),
    /** every request through this proxy; unset: HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Go reads them */
    proxy_url: proxyUrlSchema,
    auth: notInFlowtel("auth is not in flowtel's zipkin exporter yet: set the header in headers"),
    read_buffer_size: notInFlowtel(
      "read_buffer_size is not in flowtel: Node's HTTP client has no per-connection read buffer to size",
    ),
    write_buffer_size: notInFlowtel(
      "write_buffer_size is not in flowtel: Node's HTTP client has no per-connection write buffer to size",
    ),
  })
  .strict();

export type ZipkinExporterConfig = z.output<typeof zipkinExporterConfigSchema>;
