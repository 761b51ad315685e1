// The requests of http1-heads.test.ts, recorded from loopback by dumpcap and then cut by editcap
// to a snap length that keeps 1 KiB of each segment's payload, replayed through the pcap reader
// and the l7 engine: every request on both ends with its method, path and status, the big ones
// read from the head of their segment and marked, the same as from the whole recording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNginx } from '@flowtel/testkit';
import { recordsOfCapture } from '../helpers.ts';
import { BIG_REQUESTS_NGINX, CAPTURED, HEAD, LONG_PATH, bigRequests } from './big-requests.ts';
import { runClient } from './capture.ts';
import { recordLoopback, skipUnlessDumpcap } from './snaplen.ts';

test('pcap cut by a snap length: the big HTTP/1 requests are read from their heads on both ends, the rest whole', async (t) => {
  if (skipUnlessDumpcap(t, ['nginx', 'curl'])) return;
  const nginx = await startNginx(BIG_REQUESTS_NGINX);
  t.after(() => nginx.stop());
  const { args, expected } = bigRequests(`http://127.0.0.1:${nginx.port}`);
  const curl = async () => {
    const run = await runClient('curl', args);
    assert.equal(run.code, 0, run.stderr);
  };
  const { whole: full, cut } = await recordLoopback(t, nginx.port, curl, (b) => b.includes('GET /small-4'), HEAD);

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
