// The scrape loop against real servers: nginx serving good, garbage and missing pages, a port
// nobody listens on, and a peer that accepts and never answers. A bad target reports up 0 with
// one log line per scrape and never delays a good one. Series that leave a page, and targets
// that leave file_sd, get staleness markers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startNginx, waitFor } from '@flowtel/testkit';
import { resourceOf, samplesOf, seriesKey, startReceiver } from './support.ts';
import type { Metrics } from '@flowtel/pdata';

const upOf = (b: Metrics) =>
  b.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name === 'up')?.gauge?.dataPoints[0];

test('dead, slow, garbage and missing targets give up 0 and one log line each time; the good one keeps its pace', async () => {
  const nginx = await startNginx({
    files: { 'ok.txt': 'ok_metric 1\n' },
    serverBlock: `location = /garbage { default_type text/html; return 200 "<html><body>not metrics</body></html>"; }`,
  });
  // a peer that takes the connection and never answers
  const sockets: Socket[] = [];
  const blackHole: Server = createServer((s) => sockets.push(s));
  const slowPort = await freePort();
  await new Promise<void>((r) => blackHole.listen(slowPort, '127.0.0.1', r));
  const deadPort = await freePort();
  const job = (name: string, port: number, path = '/metrics') => ({
    job_name: name,
    scrape_interval: '1s',
    scrape_timeout: '800ms',
    metrics_path: path,
    static_configs: [{ targets: [`127.0.0.1:${port}`] }],
  });
  const flowtel = await startReceiver({
    config: {
      scrape_configs: [
        job('good', nginx.port, '/ok.txt'),
        job('garbage', nginx.port, '/garbage'),
        job('missing', nginx.port, '/nothing-here'),
        job('dead', deadPort),
        job('slow', slowPort),
      ],
    },
  });
  try {
    const of = (name: string) => flowtel.batches.filter((b) => resourceOf(b)['service.name'] === name);
    await waitFor(
      'four scrapes of every target',
      async () => ['good', 'garbage', 'missing', 'dead', 'slow'].every((n) => of(n).length >= 4),
      90_000,
    );
    for (const name of ['garbage', 'missing', 'dead', 'slow']) {
      for (const b of of(name)) assert.equal(upOf(b)?.asDouble, 0, `${name} up`);
    }
    for (const b of of('good')) assert.equal(upOf(b)?.asDouble, 1);
    // the good target's scrapes, the first included, are an interval apart: nothing waited for
    // the slow one, and the loops began once the receiver's start was complete
    const times = of('good').map((b) => Number(upOf(b)!.timeUnixNano / 1_000_000n));
    for (let i = 1; i < times.length; i++) {
      assert.ok(Math.abs(times[i] - times[i - 1] - 1000) < 300, `good scrapes at ${times.join(', ')}`);
    }
    const failures = (name: string) =>
      flowtel.logs.filter((l) => l.msg === 'Failed to scrape Prometheus endpoint' && l.job === name);
    const garbageLogs = failures('garbage');
    // one line per failed scrape, saying why
    await waitFor('a log line per garbage scrape', async () => failures('garbage').length >= of('garbage').length);
    assert.match(String(garbageLogs[0].err), /line 1: invalid line "<html>/);
    assert.match(String(failures('missing')[0].err), /HTTP status 404/);
    assert.match(String(failures('dead')[0].err), /ECONNREFUSED/);
    assert.match(String(failures('slow')[0].err), /context deadline exceeded/);
    assert.equal(failures('good').length, 0);
    // a failed scrape has its report series, with what it knows
    const garbage = samplesOf([of('garbage')[0]]);
    const labels = { job: 'garbage', instance: `127.0.0.1:${nginx.port}` };
    assert.equal(garbage.get(seriesKey('scrape_samples_scraped', labels))?.value, 0);
    assert.ok(garbage.get(seriesKey('scrape_duration_seconds', labels))!.value >= 0);
  } finally {
    await flowtel.stop();
    for (const s of sockets) s.destroy();
    blackHole.close();
    await nginx.stop();
  }
});

test('a series that leaves the page, and a target that leaves file_sd, are marked stale', async () => {
  const nginx = await startNginx({
    files: {
      'page.txt':
        '# TYPE kept counter\nkept 1\n# TYPE leaving counter\nleaving{x="1"} 5\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 2\nh_sum 3\n',
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-file-sd-'));
  const sdFile = join(dir, 'targets.yaml');
  writeFileSync(sdFile, `- targets: ['127.0.0.1:${nginx.port}']\n  labels: {team: a}\n`);
  const flowtel = await startReceiver(
    {
      config: {
        scrape_configs: [
          {
            job_name: 'sd',
            scrape_interval: '1s',
            scrape_timeout: '1s',
            metrics_path: '/page.txt',
            file_sd_configs: [{ files: ['*.yaml'], refresh_interval: '1s' }],
          },
        ],
      },
    },
    dir,
  );
  try {
    const labels = { job: 'sd', instance: `127.0.0.1:${nginx.port}`, team: 'a', __meta_filepath: '' };
    delete (labels as Record<string, string>).__meta_filepath;
    const latest = () => samplesOf(flowtel.batches.slice(-1));
    await waitFor('a scrape of the file_sd target', async () =>
      latest().get(seriesKey('leaving', { ...labels, x: '1' })),
    );
    // the series leaves the page: the next scrape carries a staleness marker for it
    writeFileSync(join(nginx.dir, 'www', 'page.txt'), '# TYPE kept counter\nkept 2\n');
    const marker = await waitFor('a staleness marker for leaving', async () => {
      for (const b of flowtel.batches) {
        const s = samplesOf([b]).get(seriesKey('leaving', { ...labels, x: '1' }));
        if (s?.stale) return { s, batch: b };
      }
      return undefined;
    });
    const points = samplesOf([marker.batch]);
    assert.equal(points.get(seriesKey('kept', labels))?.stale, false);
    assert.equal(points.get(seriesKey('kept', labels))?.value, 2);
    assert.equal(points.get(seriesKey('h_count', labels))?.stale, true, 'the histogram too');
    // a bad file keeps the targets it had; then the target leaves: every series it had goes stale
    writeFileSync(sdFile, '- targets: [oops\n');
    await waitFor('the file_sd error', async () => flowtel.logs.some((l) => /file_sd/.test(String(l.msg))));
    const before = flowtel.batches.length;
    await waitFor('scraping goes on', async () => flowtel.batches.length > before + 1);
    writeFileSync(sdFile, '[]\n');
    await waitFor('stale markers for the target gone', async () =>
      flowtel.batches.some((b) => {
        const kept = samplesOf([b]).get(seriesKey('kept', labels));
        return kept?.stale && !upOf(b);
      }),
    );
  } finally {
    await flowtel.stop();
    rmSync(dir, { recursive: true, force: true });
    await nginx.stop();
  }
});

test('basic_auth and authorization reach the target as nginx checks them', async () => {
  const nginx = await startNginx({
    files: { 'm.txt': 'secret_metric 1\n', htpasswd: 'scraper:{PLAIN}s3cret\n' },
    serverBlock: `location = /basic.txt { auth_basic "metrics"; auth_basic_user_file www/htpasswd; alias www/m.txt; }
    location = /bearer.txt { if ($http_authorization != "Bearer t0ken") { return 401; } alias www/m.txt; }`,
  });
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-auth-'));
  writeFileSync(join(dir, 'token'), 't0ken\n');
  const job = (name: string, path: string, extra: Record<string, unknown>) => ({
    job_name: name,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    metrics_path: path,
    static_configs: [{ targets: [`127.0.0.1:${nginx.port}`] }],
    ...extra,
  });
  const flowtel = await startReceiver({
    config: {
      scrape_configs: [
        job('basic', '/basic.txt', { basic_auth: { username: 'scraper', password: 's3cret' } }),
        job('basic-wrong', '/basic.txt', { basic_auth: { username: 'scraper', password: 'nope' } }),
        job('bearer-file', '/bearer.txt', { authorization: { credentials_file: join(dir, 'token') } }),
        job('bearer-wrong', '/bearer.txt', { authorization: { credentials: 'other' } }),
      ],
    },
  });
  try {
    const up = (name: string) =>
      flowtel.batches.filter((b) => resourceOf(b)['service.name'] === name).map((b) => upOf(b)?.asDouble);
    await waitFor('a scrape of each job', async () =>
      ['basic', 'basic-wrong', 'bearer-file', 'bearer-wrong'].every((n) => up(n).length > 0),
    );
    assert.equal(up('basic')[0], 1);
    assert.equal(up('bearer-file')[0], 1);
    assert.equal(up('basic-wrong')[0], 0);
    assert.equal(up('bearer-wrong')[0], 0);
    const err = flowtel.logs.find((l) => l.job === 'basic-wrong')?.err;
    assert.match(String(err), /HTTP status 401/);
  } finally {
    await flowtel.stop();
    rmSync(dir, { recursive: true, force: true });
    await nginx.stop();
  }
});
