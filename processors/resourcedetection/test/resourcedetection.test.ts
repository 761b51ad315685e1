// resourcedetection against what each detector reads on a real machine: the kernel and /etc
// (system), OTEL_RESOURCE_ATTRIBUTES (env), a Docker engine API on a unix socket (docker), and
// the clouds' metadata services written from their documentation, served at 169.254.169.254
// inside a network namespace the test makes (ec2, gcp, azure).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ack, type TracesBatch } from '@flowtel/core';
import { attr, getAttr, type KeyValue, newResource } from '@flowtel/pdata';
import { createNetns, netnsUnavailable, pushThrough, testHost, testSettings } from '@flowtel/testkit';
import { factory, type ResourceDetectionConfig, type ResourceDetectionProcessor } from '../src/index.ts';
import { AZURE_COMPUTE, EC2_HOSTNAME, EC2_IDENTITY, EC2_TAGS, GCE } from './metadata-servers.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const parse = (c: unknown) => factory.configSchema.parse(c);
const problems = (c: unknown) => {
  const r = factory.configSchema.safeParse(c);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('::')}: ${i.message}`);
};
const plain = (attrs: readonly KeyValue[]) =>
  Object.fromEntries(attrs.map((kv) => [kv.key, getAttr(attrs as KeyValue[], kv.key)]));

const detectedBy = (p: unknown) => plain((p as ResourceDetectionProcessor).attributes);

async function detect(config: unknown) {
  const p = factory.createProcessor(testSettings('resource_detection', 'processor'), parse(config), 'traces', 'traces');
  await p.start(testHost());
  await p.shutdown();
  return p;
}

async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    return await fn();
  } finally {
    set(before);
  }
}

function tracesBatch(attrs: KeyValue[]): TracesBatch {
  return {
    signal: 'traces',
    data: { resourceSpans: [{ resource: newResource(attrs), scopeSpans: [], schemaUrl: '' }] },
    items: 0,
    ack: Ack.none(),
  } as TracesBatch;
}

test('config: contrib defaults (override true, timeout 5s, system host.name and os.type on)', () => {
  const c: ResourceDetectionConfig = parse({});
  assert.equal(c.override, true);
  assert.equal(c.timeout, 5000);
  assert.equal(c.refresh_interval, 0);
  assert.deepEqual([...c.system.resource_attributes].sort(), ['host.name', 'os.type']);
  assert.equal(c.ec2.resource_attributes.size, 9);
  assert.equal(c.gcp.resource_attributes.has('gcp.gce.instance.hostname'), false);
});

test('config: a detector flowtel lacks is refused with the reason, an unknown one with the valid names', () => {
  assert.match(problems({ detectors: ['env', 'eks'] })[0], /^detectors::1: the eks detector is not in flowtel yet/);
  assert.match(problems({ detectors: ['gke'] })[0], /merged gce and gke into the gcp detector/);
  assert.match(problems({ detectors: ['nope'] })[0], /invalid detector key: nope \(valid: env, system/);
  assert.match(problems({ consul: { address: 'x' } })[0], /^consul: the consul detector is not in flowtel yet/);
});

test('config: keys it cannot honour are refused, saying why', () => {
  assert.match(
    problems({ ec2: { tags: ['^Name$'] } })[0],
    /^ec2::tags: tags through EC2's DescribeTags API is not in flowtel/,
  );
  assert.deepEqual(problems({ ec2: { tags: ['^Name$'], tags_from_imds: true } }), []);
  assert.match(problems({ ec2: { tags: ['(?<=x)'], tags_from_imds: true } })[0], /^ec2::tags::0: error parsing regexp/);
  assert.match(
    problems({ docker: { resource_attributes: { 'container.name': { enabled: true } } } })[0],
    /container.name is not in flowtel's docker detector yet/,
  );
  assert.match(problems({ system: { resource_attributes: { 'host.nope': { enabled: true } } } })[0], /host\.nope/);
  assert.match(problems({ system: { hostname_sources: ['ldap'] } })[0], /hostname_sources::0/);
  assert.match(problems({ timeout: 0 })[0], /^timeout: retry.enabled with timeout 0/);
  assert.deepEqual(problems({ timeout: 0, retry: { enabled: false } }), []);
});

test('env: OTEL_RESOURCE_ATTRIBUTES as the spec writes it, values URL-unescaped; malformed text fails the start', async () => {
  const p = await withEnv(
    { OTEL_RESOURCE_ATTRIBUTES: ' service.name = shop , deployment.environment=prod%2Ceu,team=a+b' },
    () => detect({ detectors: ['env'] }),
  );
  assert.deepEqual(detectedBy(p), {
    'service.name': 'shop',
    'deployment.environment': 'prod,eu',
    team: 'a b',
  });
  await withEnv({ OTEL_RESOURCE_ATTRIBUTES: 'k=v,oops' }, () =>
    assert.rejects(
      detect({ detectors: ['env'], timeout: '1s' }),
      /env detector: invalid resource format, invalid text: "oops"/,
    ),
  );
});

test('system: what hostname, uname, /etc/machine-id, /etc/os-release and lscpu say of this machine', async () => {
  const all = Object.fromEntries(
    [
      'host.name',
      'host.id',
      'host.arch',
      'os.type',
      'os.description',
      'host.cpu.vendor.id',
      'host.cpu.model.name',
      'host.cpu.family',
      'host.ip',
    ].map((k) => [k, { enabled: true }]),
  );
  const p = await detect({ detectors: ['system'], system: { hostname_sources: ['os'], resource_attributes: all } });
  const got = detectedBy(p);
  const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  assert.equal(got['host.name'], sh('hostname'));
  assert.equal(got['os.type'], 'linux');
  // semconv host.arch: amd64 for x86_64, arm64 for aarch64
  assert.equal(got['host.arch'], { x86_64: 'amd64', aarch64: 'arm64' }[sh('uname', '-m')] ?? sh('uname', '-m'));
  assert.equal(got['host.id'], readFileSync('/etc/machine-id', 'utf8').trim());
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1];
  assert.equal(got['os.description'], `${pretty} (${sh('uname', '-s', '-n', '-r', '-v', '-m')})`);
  const lscpu = Object.fromEntries(
    sh('lscpu')
      .split('\n')
      .map((l) => l.split(/:\s+/, 2)),
  );
  assert.equal(got['host.cpu.vendor.id'], lscpu['Vendor ID']);
  assert.equal(got['host.cpu.model.name'], lscpu['Model name']);
  assert.equal(got['host.cpu.family'], lscpu['CPU family']);
  assert.ok(Array.isArray(got['host.ip']));
});

test('system: dns (the hosts file canonical name) then os; defaults give host.name and os.type only', async () => {
  const p = await detect({ detectors: ['system'] });
  const got = detectedBy(p);
  assert.deepEqual(Object.keys(got).sort(), ['host.name', 'os.type']);
  const host = execFileSync('hostname', { encoding: 'utf8' }).trim();
  const line = readFileSync('/etc/hosts', 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/))
    .find((f) => f.slice(1).includes(host));
  if (line) assert.equal(got['host.name'], line[1]);
});

test("override: detected values replace the resource's by default and only fill gaps with override: false", async () => {
  for (const override of [true, false]) {
    const p = await withEnv({ OTEL_RESOURCE_ATTRIBUTES: 'host.name=detected,region=eu' }, async () => {
      const proc = factory.createProcessor(
        testSettings('resource_detection', 'processor'),
        parse({ detectors: ['env'], override }),
        'traces',
        'traces',
      );
      await proc.start(testHost());
      return proc;
    });
    const { out } = pushThrough(p, tracesBatch([attr('host.name', 'from-sdk'), attr('service.name', 'shop')]));
    const got = plain((out[0] as TracesBatch).data.resourceSpans[0].resource.attributes);
    assert.deepEqual(got, {
      'host.name': override ? 'detected' : 'from-sdk',
      'service.name': 'shop',
      region: 'eu',
    });
    await p.shutdown();
  }
});

test('docker: the engine API /info on a unix socket gives host.name and os.type; no engine adds nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-docker-'));
  const socket = join(dir, 'docker.sock');
  const paths: string[] = [];
  // an excerpt of the engine API's SystemInfo example (docs.docker.com, Engine API, /info)
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(req.url === '/info' ? 200 : 404, { 'Content-Type': 'application/json', 'Api-Version': '1.43' });
    res.end(
      req.url === '/info'
        ? JSON.stringify({
            ID: '7TRN:IPZB',
            Containers: 14,
            Name: 'node5.corp.example.com',
            OSType: 'linux',
            OperatingSystem: 'Alpine Linux v3.5',
            KernelVersion: '6.8.0-31-generic',
          })
        : '{"message":"page not found"}',
    );
  });
  await new Promise<void>((r) => server.listen(socket, r));
  try {
    const p = await withEnv({ DOCKER_HOST: `unix://${socket}` }, () => detect({ detectors: ['docker'] }));
    assert.deepEqual(detectedBy(p), {
      'host.name': 'node5.corp.example.com',
      'os.type': 'linux',
    });
    // detection ran once, at start: batches after it ask the engine nothing
    for (let i = 0; i < 3; i++) {
      const { out } = pushThrough(p, tracesBatch([attr('service.name', 'shop')]));
      assert.equal(
        getAttr((out[0] as TracesBatch).data.resourceSpans[0].resource.attributes, 'host.name'),
        'node5.corp.example.com',
      );
    }
    assert.deepEqual(paths, ['/info']);
  } finally {
    server.close();
  }
  const none = await withEnv({ DOCKER_HOST: `unix://${join(dir, 'absent.sock')}` }, () =>
    detect({ detectors: ['docker'] }),
  );
  assert.deepEqual(detectedBy(none), {});
});

// ---- the clouds, in network namespaces ----

const netnsReason = netnsUnavailable();
const cloudSkip = netnsReason && process.env.CI !== 'true' ? netnsReason : false;

async function inNetns(
  spec: { servers: string[]; config: unknown },
  opts: { hosts?: string; env?: Record<string, string> } = {},
) {
  if (netnsReason) throw new Error(netnsReason);
  const ns = createNetns(['169.254.169.254/32'], opts.hosts);
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, DETECT_SPEC: JSON.stringify(spec) };
    // a bare netns has no route to any cloud: the child's own variables decide what it tries
    for (const k of ['GCE_METADATA_HOST', 'KUBERNETES_SERVICE_HOST', 'AWS_EC2_METADATA_SERVICE_ENDPOINT']) {
      if (!opts.env?.[k]) delete env[k];
    }
    const r = await ns.exec(process.execPath, ['--import', 'tsx', join(HERE, 'detect-child.ts')], { env, cwd: HERE });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      error?: string;
      attributes: Record<string, unknown>;
      elapsedMs: number;
      logs: Array<{ msg: string; detector?: string; level: number }>;
    };
  } finally {
    ns.remove();
  }
}

test(
  'ec2: IMDSv2 token, the identity document and hostname; tags from IMDS by pattern',
  { skip: cloudSkip },
  async () => {
    const r = await inNetns({
      servers: ['ec2'],
      config: { detectors: ['ec2'], ec2: { tags_from_imds: true, tags: ['^Name$', '^Env'] } },
    });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.attributes, {
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_ec2',
      'cloud.region': EC2_IDENTITY.region,
      'cloud.account.id': EC2_IDENTITY.accountId,
      'cloud.availability_zone': EC2_IDENTITY.availabilityZone,
      'host.id': EC2_IDENTITY.instanceId,
      'host.image.id': EC2_IDENTITY.imageId,
      'host.type': EC2_IDENTITY.instanceType,
      'host.name': EC2_HOSTNAME,
      'ec2.tag.Name': EC2_TAGS.Name,
      'ec2.tag.Environment': EC2_TAGS.Environment,
    });
  },
);

test(
  'gcp: a GCE instance through metadata.google.internal (the netns hosts file) and GCE_METADATA_HOST',
  { skip: cloudSkip },
  async () => {
    const config = {
      detectors: ['gcp'],
      gcp: { resource_attributes: { 'gcp.gce.instance.hostname': { enabled: true } } },
    };
    const expected = {
      'cloud.provider': 'gcp',
      'cloud.account.id': GCE['project/project-id'],
      'cloud.platform': 'gcp_compute_engine',
      'cloud.availability_zone': 'us-central1-c',
      'cloud.region': 'us-central1',
      'host.type': 'e2-medium',
      'host.id': GCE['instance/id'],
      'host.name': GCE['instance/name'],
      'gcp.gce.instance.hostname': GCE['instance/hostname'],
    };
    const direct = await inNetns({ servers: ['gcp'], config });
    assert.equal(direct.error, undefined);
    assert.deepEqual(direct.attributes, expected);
    const byName = await inNetns(
      { servers: ['gcp'], config },
      {
        hosts: '127.0.0.1 localhost\n169.254.169.254 metadata.google.internal\n',
        env: { GCE_METADATA_HOST: 'metadata.google.internal' },
      },
    );
    assert.deepEqual(byName.attributes, expected);
    const gke = await inNetns(
      { servers: ['gcp'], config: { detectors: ['gcp'] } },
      { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } },
    );
    assert.deepEqual(gke.attributes, {
      'cloud.provider': 'gcp',
      'cloud.account.id': GCE['project/project-id'],
      'cloud.platform': 'gcp_kubernetes_engine',
      'cloud.region': 'us-central1',
      'cloud.availability_zone': 'us-central1-c',
      'k8s.cluster.name': 'cluster-1',
      'host.id': GCE['instance/id'],
      'host.name': GCE['instance/name'],
    });
  },
);

test('azure: the IMDS compute document, tags by pattern', { skip: cloudSkip }, async () => {
  const r = await inNetns({
    servers: ['azure'],
    config: { detectors: ['azure'], azure: { tags: ['^Env', '^Role$'] } },
  });
  assert.equal(r.error, undefined);
  assert.deepEqual(r.attributes, {
    'cloud.provider': 'azure',
    'cloud.platform': 'azure_vm',
    'host.name': AZURE_COMPUTE.name,
    'cloud.region': AZURE_COMPUTE.location,
    'host.id': AZURE_COMPUTE.vmId,
    'cloud.account.id': AZURE_COMPUTE.subscriptionId,
    'azure.vm.name': AZURE_COMPUTE.name,
    'azure.vm.size': AZURE_COMPUTE.vmSize,
    'azure.vm.scaleset.name': AZURE_COMPUTE.vmScaleSetName,
    'azure.resourcegroup.name': AZURE_COMPUTE.resourceGroupName,
    'azure.tags.Environment': 'Test',
    'azure.tags.Role': 'WebRole',
  });
});

test(
  "detectors in order: the first to set a key wins (ec2 before system: host.name is the instance's)",
  { skip: cloudSkip },
  async () => {
    const r = await inNetns({ servers: ['ec2'], config: { detectors: ['ec2', 'system', 'gcp', 'azure'] } });
    assert.equal(r.error, undefined);
    assert.equal(r.attributes['host.name'], EC2_HOSTNAME);
    assert.equal(r.attributes['os.type'], 'linux');
    // gcp and azure met EC2's service at the same address: not their cloud, nothing added
    assert.equal(r.attributes['cloud.provider'], 'aws');
  },
);

test(
  'no cloud: a metadata address that never answers, each cloud detector gives up within timeout and says so once',
  { skip: cloudSkip },
  async () => {
    const r = await inNetns({ servers: ['silent'], config: { detectors: ['ec2', 'gcp', 'azure'], timeout: '2s' } });
    assert.equal(r.error, undefined);
    assert.deepEqual(r.attributes, {});
    // all three run together, bounded by one timeout (plus a start-up allowance for a loaded machine)
    assert.ok(r.elapsedMs >= 1900 && r.elapsedMs < 2000 + 3000, `took ${r.elapsedMs} ms`);
    for (const d of ['ec2', 'gcp', 'azure']) {
      const said = r.logs.filter((l) => l.detector === d && /platform not found/.test(l.msg));
      assert.equal(said.length, 1, `${d}: ${JSON.stringify(r.logs)}`);
    }
    // with fail_on_missing_metadata the same absence fails the start, naming the detector
    const strict = await inNetns({
      servers: ['silent'],
      config: { detectors: ['azure'], timeout: '1s', fail_on_missing_metadata: true },
    });
    assert.match(strict.error ?? '', /^azure detector: no Azure instance metadata service/);
  },
);
