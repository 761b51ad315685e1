// The requests of http1-heads.test.ts, recorded from loopback by dumpcap and then cut by editcap
// to a snap length that keeps 1 KiB of each segment's payload, replayed through the pcap reader
// and the l7 engine: every request on both ends with its method, path and status, the big ones
// read from the head of their segment and marked, the same as from the whole recording.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { hasCommand, startNginx, waitFor } from '@flowtel/testkit';
import { recordsOfCapture } from '../helpers.ts';
import { BIG_REQUESTS_NGINX, CAPTURED, HEAD, LONG_PATH, bigRequests } from './big-requests.ts';
import { runClient } from './capture.ts';

/** Ethernet (dumpcap's link type on lo) + IPv4 + TCP with the timestamp option Linux sends. */
const FRAME_HEADERS = 14 + 20 + 32;

function skipUnlessRoot(t: TestContext): boolean {
  const missing = ['nginx', 'curl', 'dumpcap', 'editcap'].filter((tool) => !hasCommand(tool));
  const why =
    process.getuid?.() !== 0
      ? 'capturing on lo needs root'
      : missing.length
        ? `not installed: ${missing.join(', ')}`
        : undefined;
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`the snap-length test must run in CI: ${why}`);
  t.skip(why);
  return true;
}

test('pcap cut by a snap length: the big HTTP/1 requests are read from their heads on both ends, the rest whole', async (t) => {
  if (skipUnlessRoot(t)) return;
  const nginx = await startNginx(BIG_REQUESTS_NGINX);
  t.after(() => nginx.stop());
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-snaplen-'));
  const full = join(dir, 'full.pcap');
  const cut = join(dir, 'cut.pcap');

  const dumpcap = spawn('dumpcap', ['-i', 'lo', '-f', `tcp port ${nginx.port}`, '-P', '-w', full], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let dumpcapErr = '';
  dumpcap.stderr.on('data', (d) => (dumpcapErr += d));
  const exited = new Promise<void>((resolve) => dumpcap.on('exit', () => resolve()));
  t.after(() => dumpcap.kill('SIGINT'));
  await waitFor('dumpcap to capture', async () => dumpcapErr.includes('Capturing on'));

  const { args, expected } = bigRequests(`http://127.0.0.1:${nginx.port}`);
  const curl = await runClient('curl', args);
  assert.equal(curl.code, 0, curl.stderr);
  // the last request and curl's FIN are written before dumpcap is stopped
  await waitFor('the last request in the recording', async () => readFileSync(full).includes('GET /small-4'));
  dumpcap.kill('SIGINT');
  await exited;
  const editcap = await runClient('editcap', ['-s', String(FRAME_HEADERS + HEAD), full, cut]);
  assert.equal(editcap.code, 0, editcap.stderr);

  for (const [file, snapped] of [
    [full, false],
    [cut, true],
  ] as const) {
    const records = recordsOfCapture(file);
    for (const role of ['client', 'server'] as const) {
      const side = records.filter((r) => r.conn.role === role && r.request);
      assert.equal(side.length, expected.length, `${file}: one ${role} record per request`);
      for (const want of expected) {
        const r = side.find((s) => String(s.request!.attributes['url.path']).startsWith(want.path));
        assert.ok(r, `${file}: the ${role} record of ${want.path}`);
        assert.equal(r.request!.request_type, want.method);
        assert.equal(r.response?.response_code, want.status, `${file}: ${role} ${want.path} answered`);
        assert.equal(
          r.request!.attributes[CAPTURED],
          snapped && want.big ? HEAD : undefined,
          `${file}: ${role} ${want.path}`,
        );
      }
      const long = side.find((s) => String(s.request!.attributes['url.path']).startsWith('/long-url/'))!;
      assert.equal(
        long.request!.attributes['url.path'],
        snapped ? LONG_PATH.slice(0, HEAD - 'GET '.length) : LONG_PATH,
      );
    }
  }
});
