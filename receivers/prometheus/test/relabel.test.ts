// Relabeling: the examples of Prometheus's configuration docs, then every action on targets
// and on series with Prometheus itself as the oracle: the same scrape config (one object,
// written as YAML for Prometheus and parsed by flowtel) over the same nginx-served page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Prometheus, prometheusBinary, type RunningServer, startNginx, waitFor } from '@flowtel/testkit';
import { stringify } from 'yaml';
import { prometheusReceiverConfigSchema } from '../src/config.ts';
import { type Labels, relabel } from '../src/relabel.ts';
import { compareWithPrometheus, lastScrapes, type Received, startReceiver } from './support.ts';

const relabelConfigs = (configs: unknown[]) =>
  prometheusReceiverConfigSchema.parse({
    config: { scrape_configs: [{ job_name: 'x', relabel_configs: configs }] },
  }).config!.scrape_configs[0].relabel_configs;

const apply = (labels: Record<string, string>, configs: unknown[]) => {
  const set: Labels = new Map(Object.entries(labels));
  return relabel(set, relabelConfigs(configs)) ? Object.fromEntries([...set].sort()) : undefined;
};

test('the docs: replace with a capture group, labelmap, labeldrop, keep and drop', () => {
  // <relabel_config>: "regex ... replacement: $1" over source_labels joined by `separator`
  assert.deepEqual(
    apply({ __address__: 'node1:9100', env: 'prod' }, [
      { source_labels: ['__address__'], regex: '(.*):\\d+', target_label: 'host' },
      { source_labels: ['env', 'host'], separator: '/', target_label: 'where' },
    ]),
    { __address__: 'node1:9100', env: 'prod', host: 'node1', where: 'prod/node1' },
  );
  // a replacement that comes out empty removes the label
  assert.deepEqual(apply({ a: 'x', b: 'y' }, [{ source_labels: ['missing'], target_label: 'b', replacement: '$1' }]), {
    a: 'x',
  });
  // a regex that does not match leaves the labels alone; the regex is anchored at both ends
  assert.deepEqual(apply({ a: 'xyz' }, [{ source_labels: ['a'], regex: 'y', target_label: 'b' }]), { a: 'xyz' });
  // labelmap as the kubernetes_sd examples use it
  assert.deepEqual(
    apply({ __meta_kubernetes_node_label_zone: 'a', __meta_kubernetes_node_label_rack: '7', job: 'n' }, [
      { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
      { action: 'labeldrop', regex: '__meta_.*' },
    ]),
    { job: 'n', rack: '7', zone: 'a' },
  );
  assert.equal(apply({ scrape: 'false' }, [{ source_labels: ['scrape'], regex: 'true', action: 'keep' }]), undefined);
  assert.equal(apply({ env: 'dev' }, [{ source_labels: ['env'], regex: 'dev|test', action: 'drop' }]), undefined);
  // Go's template expansion: ${1}, named groups, $$ and a name that is not a group
  assert.deepEqual(
    apply({ a: 'left-right' }, [
      { source_labels: ['a'], regex: '(?P<l>\\w+)-(\\w+)', target_label: 'b', replacement: '${l}_$2 $$ $1x' },
    ]),
    { a: 'left-right', b: 'left_right $ ' },
  );
  // RE2 syntax Prometheus users write: (?i)
  assert.deepEqual(
    apply({ a: 'PROD' }, [{ source_labels: ['a'], regex: '(?i)prod', target_label: 'env', replacement: 'p' }]),
    {
      a: 'PROD',
      env: 'p',
    },
  );
});

test("Prometheus's validation of relabel configs", () => {
  const refused = (config: unknown, message: RegExp) =>
    assert.throws(
      () => relabelConfigs([config]),
      (err: Error) => message.test(err.message),
    );
  refused({ action: 'hashmod', source_labels: ['a'], target_label: 'b' }, /requires non-zero modulus/);
  refused({ action: 'replace', source_labels: ['a'] }, /requires 'target_label' value/);
  refused({ action: 'labeldrop', regex: 'a', source_labels: ['b'] }, /requires only 'regex'/);
  refused(
    { action: 'keepequal', source_labels: ['a'], target_label: 'b', regex: 'x' },
    /requires only 'source_labels' and 'target_label'/,
  );
  refused({ action: 'rainbow' }, /action must be one of/);
  refused({ regex: '(unclosed' }, /invalid regex/);
  refused({ action: 'lowercase', source_labels: ['a'], target_label: '1bad' }, /invalid 'target_label'/);
});

// one target page: series whose labels every metric relabeling step below touches
const PAGE = `# TYPE requests_total counter
requests_total{method="GET",code="200",path="/API/Users",owner="team-a",copy="team-a"} 10
requests_total{method="POST",code="500",path="/api/orders",owner="team-b",copy="team-c"} 2
# TYPE debug_info gauge
debug_info{build="abc"} 1
# TYPE temp gauge
temp{sensor="Kitchen",__tmp_unit="c",owner="facilities"} 21
go_goroutines 8
# no owner, no copy: equal (both empty), so dropequal drops it
orphan 1
`;

const scrapeConfigs = (port: number) => [
  {
    job_name: 'relabel',
    scrape_interval: '1s',
    scrape_timeout: '1s',
    metrics_path: '/page.txt',
    static_configs: [
      {
        targets: [`127.0.0.1:${port}`, `localhost:${port}`],
        labels: { __meta_team: 'Core', env: 'prod', dc: 'Berlin-1' },
      },
      { targets: [`[::1]:${port}`], labels: { env: 'dev' } },
    ],
    relabel_configs: [
      { source_labels: ['env'], regex: 'dev', action: 'drop' },
      { source_labels: ['env'], regex: 'prod|staging', action: 'keep' },
      { action: 'labelmap', regex: '__meta_(.+)', replacement: 'meta_$1' },
      { source_labels: ['__address__'], regex: '([^:]+):\\d+', target_label: 'host' },
      { source_labels: ['dc'], action: 'lowercase', target_label: 'dc_lower' },
      { source_labels: ['dc'], action: 'uppercase', target_label: 'dc_upper' },
      { source_labels: ['__address__'], action: 'hashmod', modulus: 8, target_label: 'shard' },
      { source_labels: ['dc'], target_label: 'dc_copy' },
      { source_labels: ['dc_copy'], action: 'keepequal', target_label: 'dc' },
      { source_labels: ['env'], action: 'dropequal', target_label: 'dc' },
      { action: 'labeldrop', regex: 'dc_copy' },
    ],
    metric_relabel_configs: [
      { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
      { source_labels: ['__name__', 'build'], regex: 'debug_info;.+', action: 'drop' },
      { source_labels: ['path'], action: 'lowercase', target_label: 'path' },
      { source_labels: ['method'], action: 'uppercase', target_label: 'verb' },
      { source_labels: ['code'], regex: '(\\d)\\d\\d', target_label: 'class', replacement: '${1}xx' },
      { source_labels: ['path'], action: 'hashmod', modulus: 1000, target_label: 'path_hash' },
      { source_labels: ['owner'], action: 'dropequal', target_label: 'copy' },
      { action: 'labelmap', regex: '__tmp_(.+)', replacement: 'unit_$1' },
      { source_labels: ['sensor'], action: 'keepequal', target_label: 'sensor' },
      {
        action: 'labelkeep',
        regex:
          '__name__|job|instance|host|env|meta_team|dc|dc_lower|dc_upper|shard|path|verb|class|path_hash|owner|copy|method|code|sensor|unit_unit',
      },
    ],
  },
];

let nginx: RunningServer;
let prom: Prometheus | undefined;
let flowtel: Received;

before(async () => {
  nginx = await startNginx({ files: { 'page.txt': PAGE } });
  const configs = scrapeConfigs(nginx.port);
  if (prometheusBinary()) {
    prom = await Prometheus.start({ scrapeConfigs: stringify(configs).replace(/^/gm, '  ') });
  }
  flowtel = await startReceiver({ config: { scrape_configs: configs } });
});

after(async () => {
  await flowtel?.stop();
  await prom?.stop();
  await nginx?.stop();
});

test(
  'every relabel action, on targets and on series, as Prometheus applies them',
  { skip: !prometheusBinary() && 'prometheus is not installed' },
  async () => {
    const p = prom!;
    await waitFor(
      'both to scrape both targets',
      async () => {
        const up = await p.query('up{job="relabel"}', Date.now() / 1000);
        return (
          up.length === 2 &&
          up.every((u) => u.value![1] === '1') &&
          lastScrapes(flowtel.batches, 'relabel').length === 2
        );
      },
      60_000,
    );
    const { compared } = await compareWithPrometheus(p, 'relabel', flowtel.batches);
    // per target: the POST requests_total (dropequal dropped the GET one) and temp, and up,
    // scrape_samples_scraped, scrape_samples_post_metric_relabeling
    assert.equal(compared, 2 * (2 + 3));
    // and the labels are what the docs say they are, not merely the same wrong ones
    const stored = await p.query('requests_total{instance="127.0.0.1:' + nginx.port + '"}', Date.now() / 1000);
    assert.equal(stored.length, 1);
    const { __name__, instance, shard, path_hash, ...rest } = stored[0].metric;
    assert.equal(__name__, 'requests_total');
    assert.equal(instance, `127.0.0.1:${nginx.port}`);
    assert.match(shard, /^[0-7]$/);
    assert.match(path_hash, /^\d{1,3}$/);
    assert.deepEqual(rest, {
      job: 'relabel',
      host: '127.0.0.1',
      env: 'prod',
      meta_team: 'Core',
      dc: 'Berlin-1',
      dc_lower: 'berlin-1',
      dc_upper: 'BERLIN-1',
      method: 'POST',
      verb: 'POST',
      code: '500',
      class: '5xx',
      path: '/api/orders',
      owner: 'team-b',
      copy: 'team-c',
    });
  },
);
