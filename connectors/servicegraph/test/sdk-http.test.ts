// Two services instrumented with the OpenTelemetry JS SDK talk over real HTTP: `frontend`'s
// client spans carry their context to `backend` in the W3C traceparent header (the SDK's own
// propagator), `backend` makes its server spans children of it, and both export over OTLP/gRPC
// to a flowtel child process (`otlp -> servicegraph -> prometheus`) that Debian's Prometheus
// scrapes. A third server has no instrumentation: frontend's calls to it, named by
// `peer.service`, expire unpaired and become edges to a virtual node.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { connectorScrapedByPrometheus, prometheusBinary } from '@flowtel/testkit';
import { sdkTracerProvider } from '@flowtel/testkit/sdk';

const skip = prometheusBinary() === undefined && !process.env.CI ? 'prometheus is not installed' : false;
const propagator = new W3CTraceContextPropagator();

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

/** frontend's call: a client span whose context goes in the request's headers. */
async function call(tracer: Tracer, port: number, path: string, peer?: string): Promise<number> {
  const span = tracer.startSpan(`GET ${path}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'server.address': '127.0.0.1', ...(peer ? { 'peer.service': peer } : {}) },
  });
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, {
    set: (carrier, key, value) => void ((carrier as Record<string, string>)[key] = value),
  });
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  return status;
}

test('SDK services over HTTP: the servicegraph edges in Prometheus', { skip, timeout: 300_000 }, async (t) => {
  const { grpc, prometheus } = await connectorScrapedByPrometheus(
    t,
    'servicegraph',
    `
    metrics_flush_interval: 1s
    store_expiration_loop: 500ms
    store: {ttl: 3s}
`,
  );

  const frontend = sdkTracerProvider(grpc, { 'service.name': 'frontend' });
  const backend = sdkTracerProvider(grpc, { 'service.name': 'backend' });
  const backendTracer = backend.getTracer('backend');
  const server = createServer((req, res) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, {
      get: (carrier, key) => (carrier as Record<string, string | undefined>)[key],
      keys: (carrier) => Object.keys(carrier as object),
    });
    const span = backendTracer.startSpan(`GET ${req.url}`, { kind: SpanKind.SERVER }, parent);
    const fail = req.url === '/fail';
    if (fail) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    res.statusCode = fail ? 500 : 200;
    res.end('ok');
  });
  // no SDK here: nothing reports this side of frontend's calls
  const legacy = createServer((_req, res) => res.end('legacy'));
  const backendPort = await listen(server);
  const legacyPort = await listen(legacy);
  t.after(() => {
    server.close();
    legacy.close();
  });

  const tracer = frontend.getTracer('frontend');
  assert.equal(await call(tracer, backendPort, '/cart'), 200);
  assert.equal(await call(tracer, backendPort, '/cart'), 200);
  assert.equal(await call(tracer, backendPort, '/fail'), 500);
  assert.equal(await call(tracer, legacyPort, '/invoice', 'billing'), 200);
  await Promise.all([frontend.forceFlush(), backend.forceFlush()]);
  await Promise.all([frontend.shutdown(), backend.shutdown()]);

  const value = (expr: string, want?: number) => prometheus.waitForValue(expr, want);
  const edge = 'client="frontend",server="backend",connection_type=""';
  await value(`traces_service_graph_request_total{${edge},failed="false"}`, 2);
  await value(`traces_service_graph_request_total{${edge},failed="true"}`, 1);
  await value(`traces_service_graph_request_failed_total{${edge},failed="true"}`, 1);
  await value(`traces_service_graph_request_server_seconds_count{${edge},failed="false"}`, 2);
  await value(`traces_service_graph_request_client_seconds_count{${edge},failed="false"}`, 2);
  // the client span encloses the server span: its duration is the larger
  const [serverSum] = await value(`traces_service_graph_request_server_seconds_sum{${edge},failed="false"}`);
  const [clientSum] = await value(`traces_service_graph_request_client_seconds_sum{${edge},failed="false"}`);
  assert.ok(Number(serverSum.value![1]) > 0);
  assert.ok(
    Number(clientSum.value![1]) >= Number(serverSum.value![1]),
    `${clientSum.value![1]} >= ${serverSum.value![1]}`,
  );
  await value(
    'traces_service_graph_request_server_seconds_bucket{client="frontend",server="backend",failed="false",le="+Inf"}',
    2,
  );
  // the uninstrumented server, once frontend's span expired unpaired
  await value(
    'traces_service_graph_request_total{client="frontend",server="billing",connection_type="virtual_node",failed="false"}',
    1,
  );
  const edges = await prometheus.query('traces_service_graph_request_total', Date.now() / 1000);
  assert.deepEqual(edges.map((e) => `${e.metric.client}->${e.metric.server}`).sort(), [
    'frontend->backend',
    'frontend->backend',
    'frontend->billing',
  ]);
});
