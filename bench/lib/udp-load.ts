// A UDP load generator in its own process: node --import tsx bench/lib/udp-load.ts <json options>
// Sends one datagram (base64 `datagram`) to `port` on 127.0.0.1 at `rate` datagrams/s for
// `seconds`, and prints one JSON line with the datagrams sent.
import { createSocket } from 'node:dgram';

const opts = JSON.parse(process.argv[2]) as { port: number; datagram: string; rate: number; seconds: number };
const datagram = Buffer.from(opts.datagram, 'base64');
const socket = createSocket('udp4');
const total = Math.round(opts.rate * opts.seconds);
const started = performance.now();
let sent = 0;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * opts.rate));
    while (sent < due) {
      socket.send(datagram, opts.port, '127.0.0.1');
      sent++;
    }
    if (sent >= total) {
      clearInterval(timer);
      resolve();
    }
  }, 1);
});
await new Promise<void>((resolve) => socket.close(() => resolve()));
process.stdout.write(`${JSON.stringify({ sent, seconds: (performance.now() - started) / 1000 })}\n`);
