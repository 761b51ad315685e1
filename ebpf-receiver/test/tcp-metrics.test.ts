// TCP metrics from the kernel's tcp tracepoints, on real connections: Python peers in a network
// namespace of the test's own, with nftables dropping a share of one port's packets (this kernel
// has no netem) from one port's established flow and every SYN to another, a port where nothing listens, a server that aborts its
// connection and one that never reads.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  readTcpMetrics,
  SocketEventKind,
  SocketRole,
  TcpConnectFailure,
  TcpReport,
  type SocketEvent,
  type TcpMetrics,
} from '@flowtel/pdata';
import { createNetns, freePort, netnsUnavailable, waitFor, type Netns } from '@flowtel/testkit';
import { collectingReceiver, skipUnlessCapture } from './capture-support.ts';

const peers = fileURLToPath(new URL('fixtures/tcp_peers.py', import.meta.url));

interface Report extends TcpMetrics {
  event: SocketEvent;
}

function reports(events: SocketEvent[], pid: number, localPort?: number): Report[] {
  return events
    .filter(
      (e) => e.kind === SocketEventKind.TCP && e.pid === pid && (localPort === undefined || e.localPort === localPort),
    )
    .map((e) => ({ ...readTcpMetrics(e.payload)!, event: e }));
}

interface ClientRun {
  pid: number;
  port: number;
  outcome?: string;
}

async function client(ns: Netns, ...args: (string | number)[]): Promise<ClientRun> {
  // the pid the events carry is the Python process's: ip netns exec runs it in its own place
  const run = await ns.exec('/usr/bin/python3', [peers, ...args.map(String)]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ClientRun;
}

function nft(ns: Netns, rules: string): void {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, 'nft', '-f', '-'], { input: rules, encoding: 'utf8' });
  assert.equal(r.status, 0, `nft: ${r.stderr}`);
}

test('TCP metrics: RTT, retransmissions on the lossy flow only, resets, refused and timed-out connects, zero windows', async (t) => {
  if (skipUnlessCapture(t)) return;
  const why = netnsUnavailable();
  if (why) {
    if (process.env.CI === 'true') throw new Error(`the TCP metrics test must run in CI: ${why}`);
    return t.skip(why);
  }
  const [clean, lossy, reset, stall, closed, dropped] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const ns = createNetns();
  t.after(() => ns.remove());
  nft(
    ns,
    `table inet flowtel_test {
  chain input {
    type filter hook input priority 0;
    tcp dport ${lossy} tcp flags & syn == 0 numgen random mod 100 < 20 drop
    tcp sport ${lossy} tcp flags & syn == 0 numgen random mod 100 < 20 drop
    tcp dport ${dropped} drop
  }
}
`,
  );

  const { receiver, events } = collectingReceiver({
    filters: { ports: { allow: [clean, lossy, reset, stall, closed, dropped] } },
    tcp: { zero_window: true },
  });
  await receiver.start();
  t.after(() => receiver.shutdown());
  assert.equal(receiver.unavailable, undefined);

  const server = spawn(
    'ip',
    ['netns', 'exec', ns.name, '/usr/bin/python3', peers, 'server', ...[clean, lossy, reset, stall].map(String)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const serverExited = new Promise((resolve) => server.once('exit', resolve));
  t.after(async () => {
    server.kill('SIGKILL');
    await serverExited;
  });
  await new Promise((resolve) => server.stdout!.once('data', resolve));
  const serverPid = server.pid!;

  const [cleanRun, lossyRun, refused, timedOut, resetRun, fill] = await Promise.all([
    client(ns, 'echo', clean, 20),
    client(ns, 'echo', lossy, 20),
    client(ns, 'connect', closed),
    client(ns, 'connect', dropped),
    client(ns, 'reset', reset),
    client(ns, 'fill', stall, 2),
  ]);
  assert.equal(refused.outcome, 'ECONNREFUSED');
  assert.equal(timedOut.outcome, 'ETIMEDOUT');
  assert.equal(resetRun.outcome, 'reset');
  // the filling client's connection ends once the server that never read is gone
  server.kill('SIGKILL');
  await serverExited;

  const closedReport = (pid: number, port: number) =>
    reports(events, pid, port).find((r) => r.report === TcpReport.CLOSED);
  // the server's end of a lossy connection closes once its FIN got through: later than the client's
  const serverClosed = (run: ClientRun) =>
    reports(events, serverPid).some((r) => r.event.remotePort === run.port && r.report === TcpReport.CLOSED);
  await waitFor('the final reports of every connection, at both ends', async () =>
    [cleanRun, lossyRun, resetRun, fill].every((run) => closedReport(run.pid, run.port)) &&
    [cleanRun, lossyRun, resetRun].every(serverClosed) &&
    reports(events, refused.pid).length > 0 &&
    reports(events, timedOut.pid).length > 0
      ? true
      : undefined,
  );

  // clean flow: a handshake timed, an RTT, nothing retransmitted on either end
  const cleanEnd = closedReport(cleanRun.pid, cleanRun.port)!;
  assert.equal(cleanEnd.event.role, SocketRole.CLIENT);
  assert.equal(cleanEnd.event.remotePort, clean);
  assert.equal(cleanEnd.retransmits, 0, 'the clean flow retransmitted');
  assert.equal(cleanEnd.resetsReceived + cleanEnd.resetsSent, 0);
  assert.ok(cleanEnd.srttUs > 0, 'smoothed RTT');
  assert.ok(cleanEnd.connectLatencyNs > 0, 'connect latency');
  assert.ok(
    cleanEnd.bytesAcked >= 2000 && cleanEnd.bytesReceived >= 2000,
    `bytes ${cleanEnd.bytesAcked}/${cleanEnd.bytesReceived}`,
  );
  const established = reports(events, cleanRun.pid, cleanRun.port).find((r) => r.report === TcpReport.ESTABLISHED);
  assert.ok(established, 'the connect is reported when it completes');
  assert.equal(established.connectLatencyNs, cleanEnd.connectLatencyNs);
  // the same socket id as the connection's data events
  const cleanData = events.find(
    (e) => e.kind === SocketEventKind.DATA && e.pid === cleanRun.pid && e.localPort === cleanRun.port,
  );
  assert.equal(cleanEnd.event.socketId, cleanData?.socketId);
  const cleanServer = reports(events, serverPid).filter(
    (r) => r.event.remotePort === cleanRun.port && r.report === TcpReport.CLOSED,
  );
  assert.equal(cleanServer.length, 1, 'the server end of the clean flow');
  assert.equal(cleanServer[0].event.role, SocketRole.SERVER);
  assert.equal(cleanServer[0].retransmits, 0);
  // the server's end is reported at accept with the handshake's RTT
  const accepted = reports(events, serverPid).find(
    (r) => r.event.remotePort === cleanRun.port && r.report === TcpReport.ESTABLISHED,
  );
  assert.ok(accepted, 'the accepted connection is reported');
  assert.equal(accepted.connectLatencyNs, 0);
  assert.ok(accepted.srttUs > 0, "the handshake's RTT");
  assert.equal(accepted.event.socketId, cleanServer[0].event.socketId);

  // lossy flow: 20% of the segments each way dropped; both ends retransmit over 20 round trips
  const lossyEnd = closedReport(lossyRun.pid, lossyRun.port)!;
  const lossyServer = reports(events, serverPid).find(
    (r) => r.event.remotePort === lossyRun.port && r.report === TcpReport.CLOSED,
  );
  assert.ok(lossyServer, 'the server end of the lossy flow');
  assert.ok(lossyEnd.retransmits + lossyServer.retransmits > 0, 'the lossy flow shows retransmissions');
  assert.ok(lossyEnd.totalRetrans >= lossyEnd.retransmits);
  const retransmitReports = reports(events, lossyRun.pid, lossyRun.port).filter(
    (r) => r.report === TcpReport.RETRANSMIT,
  );
  assert.equal(retransmitReports.length, lossyEnd.retransmits, 'each retransmission is reported as it happens');

  t.diagnostic(
    `clean: srtt ${cleanEnd.srttUs} us, connect ${cleanEnd.connectLatencyNs} ns, retransmits ${cleanEnd.retransmits}/${cleanServer[0].retransmits}; ` +
      `lossy: srtt ${lossyEnd.srttUs} us, retransmits ${lossyEnd.retransmits}/${lossyServer.retransmits} (client/server)`,
  );

  // refused: a blocking connect that failed, so the capture saw no socket: the report alone says it
  const [refusal] = reports(events, refused.pid);
  assert.equal(refusal.report, TcpReport.CONNECT_FAILED);
  assert.equal(refusal.failure, TcpConnectFailure.REFUSED);
  assert.equal(refusal.resetsReceived, 1);
  assert.equal(refusal.event.remotePort, closed);
  assert.equal(refusal.event.role, SocketRole.CLIENT);
  assert.equal(refusal.event.comm, 'python3');
  assert.equal(events.filter((e) => e.pid === refused.pid && e.kind !== SocketEventKind.TCP).length, 0);

  // timed out: every SYN dropped (TCP_SYNCNT 1: the kernel gives up after about 3 s)
  const [timeout] = reports(events, timedOut.pid);
  assert.equal(timeout.report, TcpReport.CONNECT_FAILED);
  assert.equal(timeout.failure, TcpConnectFailure.TIMED_OUT);
  assert.ok(timeout.synRetransmits >= 1, 'the SYN was retransmitted');
  assert.equal(timeout.synRetransmits, timeout.retransmits);
  assert.equal(timeout.event.remotePort, dropped);

  // reset: the server aborted; its end sent the reset, the client's received it
  const resetEnd = closedReport(resetRun.pid, resetRun.port)!;
  assert.equal(resetEnd.resetsReceived, 1);
  const resetServer = reports(events, serverPid).find(
    (r) => r.event.remotePort === resetRun.port && r.report === TcpReport.CLOSED,
  );
  assert.equal(resetServer?.resetsSent, 1);

  // zero window: the server never read
  const fillReports = reports(events, fill.pid, fill.port);
  assert.ok(
    fillReports.some((r) => r.report === TcpReport.ZERO_WINDOW),
    'the zero window is reported',
  );
  assert.ok(closedReport(fill.pid, fill.port)!.zeroWindows >= 1);
  assert.equal(cleanEnd.zeroWindows, 0);
});
