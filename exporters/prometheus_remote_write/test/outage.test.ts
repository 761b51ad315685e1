// Prometheus goes away for 30 s under steady load and comes back on the same port and data
// directory: the queue holds the batches, the retries deliver them, and no sample is lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prometheus, prometheusBinary, testHost, testSettings, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';
import { attrs, batchOf, gauge, metricsOf, numberPoint } from './support/metrics.ts';

const skipReason =
  prometheusBinary() === undefined && process.env.CI !== 'true'
    ? 'prometheus is not installed (apt-get install prometheus)'
    : false;

const SERIES = 10;
const INTERVAL_MS = 100;
const OUTAGE_MS = 30_000;

test('a 30 s outage under load loses no sample', { skip: skipReason, timeout: 300_000 }, async () => {
  const prom = await Prometheus.start();
  try {
    // contrib's defaults (the queue on, retries every 50-200 ms), with room past its one minute
    // for a slow restart on a busy machine
    const config = factory.configSchema.parse({
      endpoint: prom.writeUrl,
      retry_on_failure: { max_elapsed_time: '3m' },
    });
    const e = factory.createExporter(testSettings('prometheus_remote_write', 'exporter'), config, ['metrics']);
    await e.start(testHost());

    const start = Date.now();
    let sequence = 0;
    const push = async () => {
      const t = start + sequence * INTERVAL_MS;
      const points = Array.from({ length: SERIES }, (_, s) => numberPoint(t, sequence, attrs({ series: String(s) })));
      sequence++;
      await e.consume(batchOf(metricsOf(attrs({ 'service.name': 'load' }), [gauge('load.sequence', '', points)])));
    };
    const load = setInterval(() => void push(), INTERVAL_MS);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    await sleep(3_000);
    await prom.stopProcess();
    const stoppedAt = sequence;
    await sleep(OUTAGE_MS);
    // a loaded machine runs the 100 ms timer late: wait for the batches an outage this long brings
    await waitFor('the load of a whole outage', async () => sequence - stoppedAt >= OUTAGE_MS / INTERVAL_MS, 60_000);
    const restartAt = sequence;
    await prom.startProcess();
    await sleep(3_000);
    clearInterval(load);
    const pushed = sequence;
    assert.ok(
      restartAt - stoppedAt >= (OUTAGE_MS / INTERVAL_MS) * 0.8,
      `load kept coming during the outage (${restartAt - stoppedAt} batches)`,
    );

    const end = (start + pushed * INTERVAL_MS) / 1000 + 1;
    const window = `${Math.ceil(end - start / 1000) + 5}s`;
    const values = await waitFor(
      `all ${pushed} samples of ${SERIES} series in Prometheus`,
      async () => {
        const result = await prom.query(`load_sequence[${window}]`, end);
        const complete = result.length === SERIES && result.every((r) => r.values!.length === pushed);
        return complete ? result : undefined;
      },
      90_000,
      500,
    ).catch(async (err) => {
      const result = await prom.query(`load_sequence[${window}]`, end);
      const counts = result.map((r) => r.values!.length);
      throw new Error(`${(err as Error).message}; have ${JSON.stringify(counts)} of ${pushed}`);
    });
    for (const series of values) {
      assert.deepEqual(
        series.values!.map(([, v]) => Number(v)),
        Array.from({ length: pushed }, (_, i) => i),
        `series ${series.metric.series}: every sequence number once, in order`,
      );
    }
    await e.shutdown();
  } finally {
    await prom.stop();
  }
});
