// An HTTP load generator in its own process, so that its work does not delay the bench's own
// measurements: node --import tsx bench/lib/http-load.ts <json options>
// It POSTs one body with fixed headers at `rate` requests/s (open loop: a request is sent on
// schedule whether or not the last ones were answered) for `seconds` over keep-alive
// connections, and prints one JSON line: requests sent, status codes, latency percentiles.
import { Agent, request } from 'node:http';

interface Options {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** a binary body (Thrift), instead of `body` */
  bodyBase64?: string;
  rate: number;
  seconds: number;
}
const opts = JSON.parse(process.argv[2]) as Options;
const body = opts.bodyBase64 ? Buffer.from(opts.bodyBase64, 'base64') : opts.body;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const statuses: Record<string, number> = {};
const latencies: number[] = [];
let sent = 0;
let open = 0;

function send(): void {
  sent++;
  open++;
  const start = performance.now();
  const done = (status: string) => {
    open--;
    statuses[status] = (statuses[status] ?? 0) + 1;
    latencies.push(performance.now() - start);
  };
  const req = request(opts.url, { method: 'POST', agent, headers: opts.headers }, (res) => {
    res.resume();
    res.on('end', () => done(String(res.statusCode)));
  });
  req.on('error', (err) => done(err.message));
  req.end(body);
}

const started = performance.now();
const total = Math.round(opts.rate * opts.seconds);
// sends what the schedule owes every millisecond: timers are not precise enough for 1 ms gaps
const timer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * opts.rate));
  while (sent < due) send();
  if (sent >= total) clearInterval(timer);
}, 1);
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    if (sent >= total && open === 0) {
      clearInterval(check);
      resolve();
    }
  }, 20);
});
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 10) / 10;
agent.destroy();
process.stdout.write(
  `${JSON.stringify({ sent, seconds: Math.round(seconds * 10) / 10, requests_per_second: Math.round(sent / seconds), statuses, latency_ms: { p50: at(0.5), p99: at(0.99), max: at(1) } })}\n`,
);
