// The profiles signal end to end through the real `flowtel` command behind otelcol's gate:
// OTLP profiles in over gRPC (a grpc-js client on @grpc/proto-loader), HTTP protobuf
// (protobufjs) and HTTP JSON, all from the official profiles .proto; out through otlp_grpc (to a
// grpc-js server on the same definition), otlp_http (to an HTTP server decoding with
// protobufjs), file and debug; and otelcol's *_profile_samples counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  OTLP_PROTO_DIR,
  PROFILES_SERVICE_PROTO,
  freePort,
  profilesProtoTypes,
  runCli,
  startCollector,
  waitFor,
  waitForPort,
} from '@flowtel/testkit';

type Obj = Record<string, any>;

/** An ExportProfilesServiceRequest as a producer writes it: proto field names, one stack per sample. */
function request(service: string, samples: Array<{ frames: string[]; count: number }>): Obj {
  const strings = ['', 'samples', 'count', 'cpu', 'nanoseconds'];
  const str = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  const functionTable: Obj[] = [{}];
  const locationTable: Obj[] = [{}];
  const stackTable: Obj[] = [{}];
  for (const s of samples) {
    const locations = s.frames.map((name) => {
      functionTable.push({ nameStrindex: str(name) });
      locationTable.push({ lines: [{ functionIndex: functionTable.length - 1 }] });
      return locationTable.length - 1;
    });
    stackTable.push({ locationIndices: locations });
  }
  return {
    resourceProfiles: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeProfiles: [
          {
            scope: { name: 'test-producer' },
            profiles: [
              {
                sampleType: { typeStrindex: str('samples'), unitStrindex: str('count') },
                periodType: { typeStrindex: str('cpu'), unitStrindex: str('nanoseconds') },
                period: '10000000',
                timeUnixNano: '1800000000000000000',
                samples: samples.map((s, i) => ({ stackIndex: i + 1, values: [String(s.count)] })),
              },
            ],
          },
        ],
      },
    ],
    dictionary: {
      stringTable: strings,
      functionTable,
      locationTable,
      stackTable,
      mappingTable: [{}],
      linkTable: [{}],
      attributeTable: [{}],
    },
  };
}

/** "service: frame;frame;... value" per sample, read from a decoded request's dictionary (our code not involved). */
function folded(req: Obj): string[] {
  const d = req.dictionary;
  const out: string[] = [];
  for (const rp of req.resourceProfiles ?? [])
    for (const sp of rp.scopeProfiles ?? [])
      for (const p of sp.profiles ?? [])
        for (const s of p.samples ?? []) {
          const service = rp.resource.attributes.find((a: Obj) => a.key === 'service.name').value.stringValue;
          const frames = (d.stackTable[s.stackIndex ?? 0].locationIndices ?? []).map(
            (li: number) => d.stringTable[d.functionTable[d.locationTable[li].lines[0].functionIndex].nameStrindex],
          );
          out.push(`${service}: ${frames.join(';')} ${(s.values ?? []).map(String).join(',')}`);
        }
  return out.sort();
}

const GRPC_REQUEST = request('grpc-app', [
  { frames: ['hot', 'work', 'main'], count: 5 },
  { frames: ['cold', 'main'], count: 2 },
]);
const PROTO_REQUEST = request('http-app', [
  { frames: ['a', 'main'], count: 1 },
  { frames: ['b', 'main'], count: 1 },
  { frames: ['c', 'b', 'main'], count: 7 },
]);
const JSON_REQUEST = request('json-app', [{ frames: ['parse', 'main'], count: 3 }]);
const EXPECTED = [...folded(GRPC_REQUEST), ...folded(PROTO_REQUEST), ...folded(JSON_REQUEST)].sort();

const loaded = loadSync(PROFILES_SERVICE_PROTO, { includeDirs: [OTLP_PROTO_DIR], longs: String, defaults: false });
const ProfilesService = (grpc.loadPackageDefinition(loaded) as any).opentelemetry.proto.collector.profiles.v1development
  .ProfilesService;

function metric(text: string, name: string, label: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

test('profiles pipeline: otlp in over gRPC, HTTP protobuf and HTTP JSON; out through otlp_grpc, otlp_http, file and debug; samples counted', async () => {
  const { request: RequestType } = profilesProtoTypes();
  // the backends: a grpc-js ProfilesService and an HTTP server, both decoding with the official proto
  const grpcReceived: Obj[] = [];
  const backend = new grpc.Server();
  backend.addService(ProfilesService.service, {
    Export: (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
      grpcReceived.push(call.request);
      cb(null, {});
    },
  });
  const grpcBackendPort = await new Promise<number>((resolve, reject) =>
    backend.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  const httpReceived: Array<{ url?: string; body: Obj }> = [];
  const httpBackend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      httpReceived.push({ url: req.url, body: RequestType.toObject(RequestType.decode(body), { longs: String }) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => httpBackend.listen(0, '127.0.0.1', r));

  const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-profiles-'));
  const file = join(dir, 'profiles.jsonl');
  const collector = startCollector(
    `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:${grpcPort}}
      http: {endpoint: 127.0.0.1:${httpPort}}
exporters:
  otlp_grpc: {endpoint: 127.0.0.1:${grpcBackendPort}, tls: {insecure: true}}
  otlp_http: {endpoint: http://127.0.0.1:${(httpBackend.address() as AddressInfo).port}}
  file: {path: ${file}}
  debug: {verbosity: detailed}
service:
  telemetry:
    metrics:
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metricsPort}}}}}]
  pipelines:
    profiles:
      receivers: [otlp]
      exporters: [otlp_grpc, otlp_http, file, debug]
`,
    ['--feature-gates=service.profilesSupport'],
  );
  const client = new ProfilesService(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  try {
    await waitForPort(grpcPort, '127.0.0.1', 90_000);
    await waitForPort(httpPort, '127.0.0.1', 90_000);

    const grpcResponse = await new Promise<Obj>((resolve, reject) =>
      client.Export(GRPC_REQUEST, (err: Error | null, res: Obj) => (err ? reject(err) : resolve(res))),
    );
    assert.deepEqual(grpcResponse, {}, 'a full success has no partial_success');

    const url = `http://127.0.0.1:${httpPort}/v1development/profiles`;
    const proto = Buffer.from(RequestType.encode(RequestType.fromObject(PROTO_REQUEST)).finish());
    const protoResponse = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: proto,
    });
    assert.equal(protoResponse.status, 200);
    assert.equal(protoResponse.headers.get('content-type'), 'application/x-protobuf');
    // OTLP/JSON: the same message through protobufjs's JSON mapping (camelCase, int64 as strings)
    const jsonResponse = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(RequestType.toObject(RequestType.fromObject(JSON_REQUEST), { longs: String })),
    });
    assert.equal(jsonResponse.status, 200);
    assert.equal(await jsonResponse.text(), '{}');
    // the old path of the other signals is not where profiles are served
    assert.equal(
      (await fetch(`http://127.0.0.1:${httpPort}/v1/profiles`, { method: 'POST', body: proto })).status,
      404,
    );

    const viaGrpc = await waitFor('the gRPC backend to get 6 samples', async () => {
      const got = grpcReceived.flatMap(folded);
      return got.length >= 6 && got;
    });
    assert.deepEqual(viaGrpc.sort(), EXPECTED);
    const viaHttp = await waitFor('the HTTP backend to get 6 samples', async () => {
      const got = httpReceived.flatMap((r) => folded(r.body));
      return got.length >= 6 && got;
    });
    assert.deepEqual(viaHttp.sort(), EXPECTED);
    assert.ok(httpReceived.every((r) => r.url === '/v1development/profiles'));

    const lines = await waitFor('the file exporter to write 3 requests', async () => {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const parsed = text.split('\n').filter(Boolean);
      return parsed.length >= 3 && parsed.map((l) => JSON.parse(l) as Obj);
    });
    assert.deepEqual(lines.flatMap((l) => folded(l)).sort(), EXPECTED);
    assert.equal(
      lines[0].resourceProfiles[0].scopeProfiles[0].profiles[0].period,
      '10000000',
      'int64 as a JSON string',
    );

    const metrics = await waitFor('the samples counted', async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return metric(text, 'otelcol_exporter_sent_profile_samples_total', 'exporter="file"') === 6 && text;
    });
    assert.equal(metric(metrics, 'otelcol_receiver_accepted_profile_samples_total', 'transport="grpc"'), 2);
    assert.equal(metric(metrics, 'otelcol_receiver_accepted_profile_samples_total', 'transport="http"'), 4);
    for (const exporter of ['otlp_grpc', 'otlp_http', 'debug'])
      assert.equal(
        metric(metrics, 'otelcol_exporter_sent_profile_samples_total', `exporter="${exporter}"`),
        6,
        exporter,
      );

    // debug, detailed: otelcol's summary fields, then the dictionary and the samples as text
    const logs = collector
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Obj)
      .filter((l) => l['otelcol.component.id'] === 'debug');
    const summaries = logs
      .filter((l) => l.msg === 'Profiles')
      .map((l) => [l['resource profiles'], l['sample records']]);
    assert.deepEqual(summaries.sort(), [
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    const text = logs.map((l) => l.msg as string).join('\n');
    assert.match(text, /String table:\n {4}\n {4}samples\n {4}count\n/);
    assert.match(text, / {4}Sample #2\n {8}Values: \[7\]\n/);
    assert.match(text, /Resource attributes:\n {5}-> service.name: Str\(grpc-app\)\n/);
  } finally {
    client.close();
    const code = await collector.stop();
    backend.forceShutdown();
    httpBackend.close();
    assert.equal(code, 0, collector.output());
  }
});

test("profiles pipeline: refused with otelcol's message without the gate, and where a component does not take profiles", async () => {
  const port = await freePort();
  const config = `
receivers:
  otlp: {protocols: {http: {endpoint: 127.0.0.1:${port}}}}
processors:
  batch: {}
exporters:
  debug: {}
service:
  pipelines:
    profiles: {receivers: [otlp], processors: [batch], exporters: [debug]}
`;
  const path = join(mkdtempSync(join(tmpdir(), 'flowtel-profiles-')), 'config.yaml');
  writeFileSync(path, config);
  const noGate = await runCli(['validate', '--config', path]);
  assert.notEqual(noGate.code, 0);
  assert.match(
    noGate.stderr,
    /pipeline "profiles": profiling signal support is at alpha level, gated under the "service.profilesSupport" feature gate/,
  );
  const gated = await runCli(['validate', '--config', path, '--feature-gates=service.profilesSupport']);
  assert.notEqual(gated.code, 0);
  assert.match(gated.stderr, /processor "batch" does not support profiles/);
});
