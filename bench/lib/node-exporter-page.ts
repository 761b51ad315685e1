// A node_exporter-like page of about `series` series: the families, label sets and value
// shapes node_exporter writes (per-CPU counters, per-device counters, filesystem gauges with
// long mount point labels, histograms and a summary from the Go runtime), in the text format
// or OpenMetrics. Values drift with `scrape` so consecutive pages differ as real ones do.
export function nodeExporterPage(series: number, format: 'text' | 'openmetrics', scrape = 0): string {
  const om = format === 'openmetrics';
  const out: string[] = [];
  let n = 0;
  const family = (name: string, type: string, help: string) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  // Go runtime: a summary and a few gauges, as every client library writes them
  family('go_gc_duration_seconds', 'summary', 'A summary of the pause duration of garbage collection cycles.');
  for (const q of ['0', '0.25', '0.5', '0.75', '1'])
    out.push(`go_gc_duration_seconds{quantile="${q}"} ${(Number(q) * 1e-4).toExponential(6)}`);
  out.push(
    `go_gc_duration_seconds_sum ${(0.5 + scrape * 1e-3).toFixed(6)}`,
    `go_gc_duration_seconds_count ${1000 + scrape}`,
  );
  n += 7;
  family('go_goroutines', 'gauge', 'Number of goroutines that currently exist.');
  out.push(`go_goroutines ${8 + (scrape % 3)}`);
  n++;
  // a histogram per handler
  const handlers = ['/metrics', '/', '/debug'];
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  const histName = 'http_request_duration_seconds';
  family(histName, 'histogram', 'Request latency.');
  for (const h of handlers) {
    let c = 0;
    for (const b of bounds) {
      c += 3 + scrape;
      out.push(`${histName}_bucket{handler="${h}",le="${b}"} ${c}`);
    }
    out.push(`${histName}_sum{handler="${h}"} ${(c * 0.0123).toFixed(4)}`, `${histName}_count{handler="${h}"} ${c}`);
    n += bounds.length + 2;
  }
  // per-CPU counters: node_cpu_seconds_total{cpu,mode}
  const modes = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
  const counter = (name: string) => (om ? name.replace(/_total$/, '') : name);
  family(counter('node_cpu_seconds_total'), 'counter', 'Seconds the CPUs spent in each mode.');
  let cpu = 0;
  while (n < series * 0.3) {
    for (const mode of modes)
      out.push(
        `node_cpu_seconds_total{cpu="${cpu}",mode="${mode}"} ${(cpu * 1000 + scrape * 1.5 + mode.length).toFixed(2)}`,
      );
    n += modes.length;
    cpu++;
  }
  // per-device network counters
  const netFamilies = [
    'receive_bytes',
    'receive_packets',
    'receive_errs',
    'transmit_bytes',
    'transmit_packets',
    'transmit_errs',
  ];
  for (const f of netFamilies) family(counter(`node_network_${f}_total`), 'counter', `Network device statistic ${f}.`);
  let dev = 0;
  while (n < series * 0.6) {
    for (const f of netFamilies)
      out.push(`node_network_${f}_total{device="veth${dev.toString(16)}a${dev}"} ${dev * 123456 + scrape * 789}`);
    n += netFamilies.length;
    dev++;
  }
  // filesystem gauges with long labels
  const fsFamilies = ['avail_bytes', 'free_bytes', 'size_bytes', 'files', 'files_free', 'readonly'];
  for (const f of fsFamilies) family(`node_filesystem_${f}`, 'gauge', `Filesystem ${f}.`);
  let fs = 0;
  while (n < series * 0.9) {
    for (const f of fsFamilies) {
      out.push(
        `node_filesystem_${f}{device="/dev/mapper/vg0-lv${fs}",fstype="ext4",mountpoint="/var/lib/kubelet/pods/${fs.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000/volumes"} ${fs * 4096 * 1024 + (f === 'readonly' ? 0 : scrape)}`,
      );
    }
    n += fsFamilies.length;
    fs++;
  }
  // untyped and gauges without HELP, as textfile collectors write them
  let i = 0;
  while (n < series) {
    out.push(`node_textfile_custom_metric{collector="c${i % 50}",instance_id="${i}"} ${i + scrape * 0.5}`);
    n++;
    i++;
  }
  if (om) out.push('# EOF');
  return out.join('\n') + '\n';
}
