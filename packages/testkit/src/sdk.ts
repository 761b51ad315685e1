// The OpenTelemetry JS SDK as a test's client: spans exported over OTLP/gRPC to a flowtel child
// process, the way an instrumented service sends them. A subpath of its own (@flowtel/testkit/sdk)
// so that only the tests using the SDK load it.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CONDITION_TIMEOUT_MS } from './ports.ts';

/**
 * A tracer provider of the service described by `resource`, each span exported as it ends to the
 * OTLP/gRPC receiver on loopback `grpcPort`; an export may take a loaded machine's condition wait.
 */
export function sdkTracerProvider(grpcPort: number, resource: Record<string, string>): BasicTracerProvider {
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort}`, timeoutMillis: CONDITION_TIMEOUT_MS });
  return new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}
