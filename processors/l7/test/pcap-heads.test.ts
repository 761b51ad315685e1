// DeepFlow's Kafka produce and Dubbo captures (real clients and servers), cut by editcap to a
// snap length that keeps only the first bytes of each segment's payload, as a capture of large
// produce batches and large Dubbo arguments keeps only their heads. Through the pcap reader and
// the l7 engine, the cut capture gives the records of the whole one: API or service and method,
// topic, ids, statuses, with the requests marked as read from their heads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand } from '@flowtel/testkit';
import type { L7Record } from '../src/record.ts';
import { recordsOfCapture } from './helpers.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const captures = resolve(repoRoot, '..', 'shared', 'testdata', 'deepflow', 'flow_generator');
/** Ethernet + IPv4 + TCP with timestamps, the frames of these captures. */
const FRAME_HEADERS = 66;

/** What a record says of the exchange, beside the capture marks. */
const fields = (r: L7Record) => ({
  protocol: r.protocol,
  type: r.request?.request_type,
  endpoint: r.request?.endpoint,
  id: r.request?.request_id,
  resource: r.request?.request_resource,
  status: r.response?.response_status,
  code: r.response?.response_code,
});

const CASES: Array<[string, number]> = [
  // [capture, payload bytes kept of each segment]: past the request header, short of the end
  ['kafka/00-produce-v2.pcap', 60],
  ['kafka/00-produce-v9.pcap', 90],
  ['dubbo/dubbo_hessian2.pcap', 120],
  ['dubbo/dubbo-sw8.pcap', 200],
];

test('Kafka produce and Dubbo requests cut by a snap length give the records of the whole capture, marked', (t) => {
  const missing = !existsSync(captures)
    ? `DeepFlow captures not found at ${captures}`
    : !hasCommand('editcap')
      ? 'editcap (tshark) not installed'
      : undefined;
  if (missing) {
    assert.notEqual(process.env.CI, 'true', missing);
    t.skip(missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-pcap-heads-'));
  for (const [name, keep] of CASES) {
    const whole = join(captures, name);
    const cut = join(dir, basename(name));
    const editcap = spawnSync('editcap', ['-s', String(FRAME_HEADERS + keep), whole, cut], { encoding: 'utf8' });
    assert.equal(editcap.status, 0, editcap.stderr);
    const expected = recordsOfCapture(whole, 'client');
    const actual = recordsOfCapture(cut, 'client');
    assert.ok(expected.length > 0 && expected.every((r) => r.request), `${name}: requests read whole`);
    assert.deepEqual(actual.map(fields), expected.map(fields), name);
    for (const r of actual) {
      assert.equal(r.request!.captured, keep, `${name}: ${keep} bytes of the request captured`);
      assert.equal(r.request!.attributes['flowtel.l7.request.captured_bytes'], keep);
      assert.equal(r.request!.size, expected[0].request!.size, `${name}: its size from the frame length`);
    }
  }
});
