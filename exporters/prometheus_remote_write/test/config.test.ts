// The remote write exporter's config: contrib's defaults, and refusals with a reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { translationStrategy } from '@flowtel/prometheus';
import { type Config, configSchema } from '../src/config.ts';

const strategyOf = (c: Config) => translationStrategy(c.add_metric_suffixes, c.translation_strategy);

describe('config', () => {
  test('contrib defaults', () => {
    const c = configSchema.parse({});
    assert.equal(c.max_batch_size_bytes, 3_000_000);
    assert.deepEqual(c.remote_write_queue, { enabled: true, queue_size: 10_000, num_consumers: 5 });
    assert.deepEqual(
      [
        c.retry_on_failure.enabled,
        c.retry_on_failure.initial_interval,
        c.retry_on_failure.max_interval,
        c.retry_on_failure.max_elapsed_time,
      ],
      [true, 50, 200, 60_000],
    );
    assert.equal(c.timeout, 5000);
    assert.equal(c.target_info.enabled, true);
    assert.equal(c.resource_to_telemetry_conversion.enabled, false);
    assert.equal(c.add_metric_suffixes, true);
    assert.equal(strategyOf(c), 'UnderscoreEscapingWithSuffixes');
  });

  test('translation_strategy wins over add_metric_suffixes', () => {
    assert.equal(strategyOf(configSchema.parse({ add_metric_suffixes: false })), 'UnderscoreEscapingWithoutSuffixes');
    assert.equal(
      strategyOf(
        configSchema.parse({ add_metric_suffixes: false, translation_strategy: 'NoUTF8EscapingWithSuffixes' }),
      ),
      'NoUTF8EscapingWithSuffixes',
    );
  });

  test('bad settings are refused with a reason', () => {
    const error = (input: unknown) => {
      const r = configSchema.safeParse(input);
      assert.equal(r.success, false, JSON.stringify(input));
      return JSON.stringify(r.error!.issues);
    };
    assert.match(error({ headers: { 'Content-Type': 'text/plain' } }), /the exporter sets them/);
    assert.match(error({ external_labels: { '': 'x' } }), /empty key or value/);
    assert.match(error({ translation_strategy: 'Whatever' }), /UnderscoreEscapingWithSuffixes/);
    assert.match(error({ endpoint: 'ftp://x/y' }), /http/);
    assert.match(error({ sending_queue: {} }), /sending_queue/);
    assert.match(error({ remote_write_queue: { num_consumers: 0 } }), /num_consumers/);
  });
});
