// TCP metrics from the capture's TCP events, per process and client/server pair, under OBI's
// names where OBI has the metric (obi.stat.tcp.rtt, .retransmits, .failed.connections) and
// flowtel.stat.tcp.* for what it lacks (connect duration, resets, zero windows). Cumulative, as
// the RED metrics: a restart shows as a reset.
import {
  AggregationTemporality,
  attr,
  newResource,
  newScope,
  TcpConnectFailure,
  TcpReport,
  type KeyValue,
  type Metric,
  type Metrics,
  type TcpMetrics,
} from '@flowtel/pdata';
import type { TcpConnection } from '../engine.ts';
import { SCOPE_NAME, SCOPE_VERSION, processAttributes } from './describe.ts';

/** OBI's default bounds of obi.stat.tcp.rtt, seconds (also used for the connect duration). */
export const RTT_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

const FAILURES: Record<number, string> = {
  [TcpConnectFailure.REFUSED]: 'refused',
  [TcpConnectFailure.TIMED_OUT]: 'timed_out',
  [TcpConnectFailure.UNREACHABLE]: 'unreachable',
  [TcpConnectFailure.ABORTED]: 'aborted',
};

interface MetricInfo {
  name: string;
  description: string;
  unit: string;
  histogram: boolean;
}

const RTT: MetricInfo = {
  name: 'obi.stat.tcp.rtt',
  description: 'Smoothed TCP round-trip time of each connection when it ended.',
  unit: 's',
  histogram: true,
};
const RETRANSMITS: MetricInfo = {
  name: 'obi.stat.tcp.retransmits',
  description: 'TCP segments retransmitted.',
  unit: '{segment}',
  histogram: false,
};
const FAILED: MetricInfo = {
  name: 'obi.stat.tcp.failed.connections',
  description: 'TCP connects that failed, by how (flowtel.tcp.failure).',
  unit: '{connection}',
  histogram: false,
};
const CONNECT: MetricInfo = {
  name: 'flowtel.stat.tcp.connect.duration',
  description: 'Time from a connect SYN to the established connection.',
  unit: 's',
  histogram: true,
};
const RESETS: MetricInfo = {
  name: 'flowtel.stat.tcp.resets',
  description: 'TCP resets sent or received (flowtel.tcp.reset.direction).',
  unit: '{reset}',
  histogram: false,
};
const ZERO_WINDOWS: MetricInfo = {
  name: 'flowtel.stat.tcp.zero_windows',
  description: "Times a TCP peer's receive window fell to zero.",
  unit: '{event}',
  histogram: false,
};

interface Cell {
  metric: MetricInfo;
  attributes: KeyValue[];
  value: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[];
}

interface Series {
  resource: KeyValue[];
  cells: Map<string, Cell>;
}

/** what a connection's earlier reports already counted */
interface Counted {
  retransmits: number;
  zeroWindows: number;
}

export class TcpAggregator {
  private readonly series = new Map<string, Series>();
  private readonly counted = new Map<number | string, Counted>();
  private readonly startNs = BigInt(Date.now()) * 1_000_000n;
  private readonly maxSeries: number;
  private cells = 0;
  /** reports not counted because the series limit was reached */
  dropped = 0;

  constructor(maxSeries = 10_000) {
    this.maxSeries = maxSeries;
  }

  get isEmpty(): boolean {
    return this.series.size === 0;
  }

  add(m: TcpMetrics, conn: TcpConnection): void {
    const ended = m.report === TcpReport.CLOSED || m.report === TcpReport.CONNECT_FAILED;
    // counters come as totals so far: a connection adds what its earlier reports did not
    let before = this.counted.get(conn.key);
    if (!before && !ended) {
      if (this.counted.size >= this.maxSeries) this.counted.delete(this.counted.keys().next().value!);
      this.counted.set(conn.key, (before = { retransmits: 0, zeroWindows: 0 }));
    }
    const retransmits = m.retransmits - (before?.retransmits ?? 0);
    const zeroWindows = m.zeroWindows - (before?.zeroWindows ?? 0);
    if (ended) this.counted.delete(conn.key);
    else if (before) {
      before.retransmits = m.retransmits;
      before.zeroWindows = m.zeroWindows;
    }
    if (retransmits > 0) this.count(conn, RETRANSMITS, retransmits);
    if (zeroWindows > 0) this.count(conn, ZERO_WINDOWS, zeroWindows);
    if (m.report === TcpReport.ESTABLISHED && m.connectLatencyNs > 0)
      this.observe(conn, CONNECT, m.connectLatencyNs / 1e9);
    if (!ended) return;
    if (m.report === TcpReport.CONNECT_FAILED)
      this.count(conn, FAILED, 1, 'flowtel.tcp.failure', FAILURES[m.failure] ?? 'unknown');
    else if (m.srttUs > 0) this.observe(conn, RTT, m.srttUs / 1e6);
    if (m.resetsSent > 0) this.count(conn, RESETS, m.resetsSent, 'flowtel.tcp.reset.direction', 'sent');
    if (m.resetsReceived > 0) this.count(conn, RESETS, m.resetsReceived, 'flowtel.tcp.reset.direction', 'received');
  }

  /** `label`: the extra attribute's value, to tell its cells apart */
  private count(conn: TcpConnection, metric: MetricInfo, n: number, extraKey?: string, label = ''): void {
    const cell = this.cell(conn, metric, extraKey ? [attr(extraKey, label)] : [], label);
    if (cell) cell.value += n;
  }

  private observe(conn: TcpConnection, metric: MetricInfo, seconds: number): void {
    const cell = this.cell(conn, metric, []);
    if (!cell) return;
    cell.count++;
    cell.sum += seconds;
    cell.min = Math.min(cell.min, seconds);
    cell.max = Math.max(cell.max, seconds);
    let b = 0;
    while (b < RTT_BUCKETS.length && seconds > RTT_BUCKETS[b]) b++;
    cell.buckets[b]++;
  }

  /** The cell of a process, client/server pair and metric; undefined past max_series. */
  private cell(conn: TcpConnection, metric: MetricInfo, extra: KeyValue[], label = ''): Cell | undefined {
    const processKey = `${conn.source}:${conn.pid}:${conn.comm}`;
    let s = this.series.get(processKey);
    if (!s) this.series.set(processKey, (s = { resource: processAttributes(conn), cells: new Map() }));
    // the client is the end that connected: the local end of a client socket, the remote one of a server's
    const server = conn.role === 'server';
    const client = server ? conn.remoteAddr : conn.localAddr;
    const serverAddr = server ? conn.localAddr : conn.remoteAddr;
    const serverPort = server ? conn.localPort : conn.remotePort;
    const key = `${metric.name}|${client}|${serverAddr}|${serverPort}|${conn.role}|${label}`;
    let cell = s.cells.get(key);
    if (!cell) {
      if (this.cells >= this.maxSeries) {
        this.dropped++;
        return undefined;
      }
      this.cells++;
      cell = {
        metric,
        attributes: [
          attr('client.address', client),
          attr('server.address', serverAddr),
          attr('server.port', serverPort),
          attr('flowtel.tcp.side', conn.role),
          ...extra,
        ],
        value: 0,
        count: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        buckets: new Array<number>(RTT_BUCKETS.length + 1).fill(0),
      };
      s.cells.set(key, cell);
    }
    return cell;
  }

  snapshot(): Metrics {
    const now = BigInt(Date.now()) * 1_000_000n;
    const point = { startTimeUnixNano: this.startNs, timeUnixNano: now, exemplars: [], flags: 0 };
    return {
      resourceMetrics: [...this.series.values()].map((s) => {
        const byMetric = new Map<MetricInfo, Cell[]>();
        for (const cell of s.cells.values()) {
          const list = byMetric.get(cell.metric);
          if (list) list.push(cell);
          else byMetric.set(cell.metric, [cell]);
        }
        const metrics: Metric[] = [...byMetric].map(([info, cells]) =>
          info.histogram
            ? {
                name: info.name,
                description: info.description,
                unit: info.unit,
                metadata: [],
                histogram: {
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  dataPoints: cells.map((c) => ({
                    ...point,
                    attributes: c.attributes,
                    count: BigInt(c.count),
                    sum: c.sum,
                    min: c.min,
                    max: c.max,
                    bucketCounts: c.buckets.map(BigInt),
                    explicitBounds: RTT_BUCKETS,
                  })),
                },
              }
            : {
                name: info.name,
                description: info.description,
                unit: info.unit,
                metadata: [],
                sum: {
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  isMonotonic: true,
                  dataPoints: cells.map((c) => ({ ...point, attributes: c.attributes, asInt: BigInt(c.value) })),
                },
              },
        );
        return {
          resource: newResource(s.resource),
          schemaUrl: '',
          scopeMetrics: [{ scope: newScope(SCOPE_NAME, SCOPE_VERSION), schemaUrl: '', metrics }],
        };
      }),
    };
  }
}
