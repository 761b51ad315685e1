// zpages in a real collector (the flowtel CLI on a config file): each page shows what that
// collector runs, as the config and the command line say.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, REPO_ROOT, startCollector, waitForOutput } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

/** a collector start on a loaded 2-core machine can take half a minute */
const LOADED_MS = 90_000;

test('config: otelcol defaults; cors and auth refused with the reason', () => {
  const c = factory.configSchema.parse({});
  assert.equal(c.endpoint, 'localhost:55679');
  assert.equal(c.expvar.enabled, false);
  const r = factory.configSchema.safeParse({ cors: { allowed_origins: ['*'] } });
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0].message, /cors is not in flowtel's zpages/);
});

test(
  'servicez, pipelinez, extensionz, featurez, expvarz and tracez of a running collector',
  { timeout: 180_000 },
  async () => {
    const [zport, otlpPort] = [await freePort(), await freePort()];
    const config = `
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
processors:
  batch: {}
  resource:
    attributes:
      - { key: team, value: obs, action: upsert }
exporters:
  debug: {}
extensions:
  zpages:
    endpoint: 127.0.0.1:${zport}
    expvar:
      enabled: true
service:
  extensions: [zpages]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [resource, batch]
      exporters: [debug]
    logs/audit:
      receivers: [otlp]
      exporters: [debug]
`;
    const collector = startCollector(config, ['--feature-gates=service.profilesSupport']);
    try {
      await waitForOutput(collector, 'Everything is ready', LOADED_MS);
      const get = async (page: string) => {
        const res = await fetch(`http://127.0.0.1:${zport}/debug/${page}`);
        return { status: res.status, body: await res.text() };
      };
      const rows = (body: string) =>
        [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
          [...m[1].matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map((c) => c[1]),
        );

      const service = await get('servicez');
      assert.equal(service.status, 200);
      const version = (
        JSON.parse(readFileSync(join(REPO_ROOT, 'packages/collector/package.json'), 'utf8')) as { version: string }
      ).version;
      const props = Object.fromEntries(rows(service.body).map(([k, v]) => [k, v]));
      assert.equal(props.Command, 'flowtel');
      assert.equal(props.Version, version);
      assert.equal(props.PID, String(collector.process.pid));
      for (const p of ['pipelinez', 'extensionz', 'featurez']) assert.match(service.body, new RegExp(`href="${p}"`));

      assert.deepEqual(rows((await get('pipelinez')).body), [
        ['FullName', 'InputType', 'MutatesData', 'Receivers', 'Processors', 'Exporters'],
        ['traces', 'traces', 'true', 'otlp', 'resource, batch', 'debug'],
        ['logs/audit', 'logs', 'false', 'otlp', '', 'debug'],
      ]);
      assert.deepEqual(rows((await get('extensionz')).body), [['FullName'], ['zpages']]);
      const gates = rows((await get('featurez')).body);
      assert.deepEqual(gates[0], ['ID', 'Enabled', 'Stage', 'Description']);
      assert.deepEqual(gates.find((g) => g[0] === 'service.profilesSupport')?.slice(0, 3), [
        'service.profilesSupport',
        'true',
        'alpha',
      ]);
      assert.equal(gates.find((g) => g[0] === 'telemetry.newPipelineTelemetry')?.[1], 'false');

      const expvar = JSON.parse((await get('expvarz')).body) as { cmdline: string[]; memstats: { rss: number } };
      assert.ok(expvar.cmdline.includes('--feature-gates=service.profilesSupport'));
      assert.ok(expvar.memstats.rss > 0);
      const tracez = await get('tracez');
      assert.equal(tracez.status, 404);
      assert.match(tracez.body, /flowtel creates none/);
      assert.equal((await get('nope')).status, 404);
    } finally {
      await collector.stop();
    }
  },
);
