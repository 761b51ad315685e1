// The requests larger than a capture head that the live tests send (through eBPF and through a
// capture cut by a snap length): curl on one keep-alive connection to nginx.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NginxOptions } from '@flowtel/testkit';

/** The attribute of a request read from the head the capture kept. */
export const CAPTURED = 'flowtel.l7.request.captured_bytes';
/** The ebpf receiver's default payload_size. */
export const HEAD = 1024;
export const LONG_PATH = `/long-url/${'a'.repeat(4096)}`;

export const BIG_REQUESTS_NGINX: NginxOptions = {
  serverBlock: ['    location = /json { return 201 "created\\n"; }', '    location / { return 200 "ok\\n"; }'].join(
    '\n',
  ),
};

export interface ExpectedRequest {
  method: string;
  /** the path, or (the long URL) its first characters */
  path: string;
  status: number;
  /** larger than the head: curl writes it in one send, so eBPF keeps HEAD bytes of it */
  big?: boolean;
}

/**
 * curl's arguments for eight requests on one connection (`--next` keeps it): small ones between
 * 2 KiB and 8 KiB header blocks, a 4 KiB URL and a 16 KiB JSON body.
 */
export function bigRequests(base: string): { args: string[]; expected: ExpectedRequest[] } {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-heads-'));
  const json = JSON.stringify({
    items: Array.from({ length: 700 }, (_, i) => ({ id: i, name: `item-${i}`, note: 'x'.repeat(8) })),
  });
  if (json.length < 16 * 1024) throw new Error('the JSON body should be 16 KiB or more');
  writeFileSync(join(dir, 'body.json'), json);
  const cookie2k = `Cookie: session=${'c'.repeat(2048)}`;
  // 8 KiB in four headers: nginx takes any number of lines up to 8 KiB each
  const headers8k = Array.from({ length: 4 }, (_, i) => ['-H', `X-Baggage-${i}: ${'b'.repeat(2048)}`]).flat();
  const quiet = ['-sS', '-o', '/dev/null'];
  const args = [
    ...quiet,
    `${base}/small-1`,
    '--next',
    ...quiet,
    '-H',
    cookie2k,
    `${base}/cookie-2k`,
    '--next',
    ...quiet,
    `${base}/small-2`,
    '--next',
    ...quiet,
    ...headers8k,
    `${base}/headers-8k`,
    '--next',
    ...quiet,
    `${base}${LONG_PATH}`,
    '--next',
    ...quiet,
    `${base}/small-3`,
    '--next',
    ...quiet,
    '-H',
    'Content-Type: application/json',
    '--data-binary',
    `@${join(dir, 'body.json')}`,
    `${base}/json`,
    '--next',
    ...quiet,
    `${base}/small-4`,
  ];
  const expected: ExpectedRequest[] = [
    { method: 'GET', path: '/small-1', status: 200 },
    { method: 'GET', path: '/cookie-2k', status: 200, big: true },
    { method: 'GET', path: '/small-2', status: 200 },
    { method: 'GET', path: '/headers-8k', status: 200, big: true },
    { method: 'GET', path: LONG_PATH.slice(0, 64), status: 200, big: true },
    { method: 'GET', path: '/small-3', status: 200 },
    { method: 'POST', path: '/json', status: 201 },
    { method: 'GET', path: '/small-4', status: 200 },
  ];
  return { args, expected };
}
