// The official opentelemetry-proto definitions (third_party/opentelemetry-proto, copied
// unmodified), loaded by protobufjs: a second, independent codec in tests and benchmarks.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

// pdata cannot depend on testkit (testkit depends on pdata), so the folder is named here too.
const OTLP_PROTO_DIR = fileURLToPath(new URL('../../../../third_party/opentelemetry-proto', import.meta.url));

const SERVICES = ['trace/v1/trace_service.proto', 'metrics/v1/metrics_service.proto', 'logs/v1/logs_service.proto'];

export interface OtlpTypes {
  traceRequest: protobuf.Type;
  metricsRequest: protobuf.Type;
  logsRequest: protobuf.Type;
  traceResponse: protobuf.Type;
}

/** The request and response types, resolved (protobufjs generates their codecs on first use). */
export function loadOtlpTypes(): OtlpTypes {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => `${OTLP_PROTO_DIR}/${target}`;
  root.loadSync(SERVICES.map((file) => `opentelemetry/proto/collector/${file}`));
  root.resolveAll();
  const type = (name: string) => root.lookupType(`opentelemetry.proto.collector.${name}`);
  return {
    traceRequest: type('trace.v1.ExportTraceServiceRequest'),
    metricsRequest: type('metrics.v1.ExportMetricsServiceRequest'),
    logsRequest: type('logs.v1.ExportLogsServiceRequest'),
    traceResponse: type('trace.v1.ExportTraceServiceResponse'),
  };
}
