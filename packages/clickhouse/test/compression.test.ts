// Every `compress` value's request body, as the HTTP client sends it, decoded by the real engine:
// chdb reads the captured body with its own decoder of that method (file(..., compression)),
// and the rows must come back as sent. LZ4 twice: lz4-napi's frames and, with lz4-napi hidden
// from the process, the JS fallback's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeLz4 } from '@flowtel/compression';
import { EmbeddedClient } from '../src/embedded.ts';
import { bodyEncoding, HttpClient } from '../src/http.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowtel-ch-compress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// 200,000 rows, ~5 MB of TSV: more than one LZ4 block (4 MB) and one zstd block
const rows = Array.from({ length: 200_000 }, (_, i) => `${i}\tservice-${i % 97}\t${(i * 7919) % 100_003}\n`).join('');
const STRUCTURE = 'n UInt32, service String, v UInt32';

/** The body and Content-Encoding of one insert, captured by a server standing in for ClickHouse. */
async function capturedInsert(compress: string): Promise<{ encoding?: string; body: Buffer }> {
  let captured: { encoding?: string; body: Buffer } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { encoding: req.headers['content-encoding'], body: Buffer.concat(chunks) };
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new HttpClient({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    encoding: bodyEncoding(compress),
  });
  try {
    await client.insertRaw('INSERT INTO t FORMAT TSV', [
      Buffer.from(rows.slice(0, 1000)),
      Buffer.from(rows.slice(1000)),
    ]);
  } finally {
    await client.close();
    server.close();
  }
  assert.ok(captured);
  return captured;
}

let engine: EmbeddedClient | undefined;
after(() => engine?.close());

/** The engine's reading of `body` as `method`: count, sum and a digest of every row. */
async function engineReads(body: Buffer, method: string, name: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, body);
  engine ??= EmbeddedClient.open(join(dir, 'engine'));
  const sql = `SELECT count(), sum(n), sum(cityHash64(n, service, v)) FROM file('${path}', 'TSV', '${STRUCTURE}', '${method}')`;
  return (await engine.query(sql, 'TSV')).toString().trim();
}

const expected = (() => {
  let count = 0;
  let sum = 0;
  for (const line of rows.split('\n')) if (line) (count++, (sum += Number(line.split('\t')[0])));
  return `${count}\t${sum}`;
})();

test('lz4-napi loads here (linux-x64 prebuilt): the ClickHouse client compresses LZ4 natively', () => {
  assert.ok(nativeLz4(), 'lz4-napi did not load');
});

const METHODS: Array<[compress: string, contentEncoding: string, engineMethod: string]> = [
  ['lz4', 'lz4', 'lz4'],
  ['true', 'lz4', 'lz4'],
  ['zstd', 'zstd', 'zstd'],
  ['gzip', 'gzip', 'gzip'],
  ['deflate', 'deflate', 'deflate'],
  ['br', 'br', 'br'],
];

let reference: string | undefined;
for (const [compress, contentEncoding, method] of METHODS) {
  test(`compress: ${compress} is sent as Content-Encoding ${contentEncoding}, and the engine decodes it`, async () => {
    const { encoding, body } = await capturedInsert(compress);
    assert.equal(encoding, contentEncoding);
    assert.ok(body.length < rows.length * 0.7, `${body.length} bytes for ${rows.length}`);
    const read = await engineReads(body, method, `body-${compress}`);
    assert.ok(read.startsWith(`${expected}\t`), read);
    reference ??= read;
    assert.equal(read, reference, 'every row as sent');
  });
}

test('compress: none sends the rows as they are', async () => {
  const { encoding, body } = await capturedInsert('none');
  assert.equal(encoding, undefined);
  assert.equal(body.toString(), rows);
});

test('without lz4-napi the JS LZ4 encoder takes over, and the engine decodes its frames too', async () => {
  const hook = join(dir, 'hide-lz4-napi.cjs');
  writeFileSync(
    hook,
    `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'lz4-napi') throw Object.assign(new Error("Cannot find module 'lz4-napi'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
`,
  );
  const input = join(dir, 'rows.tsv');
  const output = join(dir, 'body-js-lz4');
  writeFileSync(input, rows);
  const script = `import { readFileSync, writeFileSync } from 'node:fs';
import { lz4FrameCompress, nativeLz4 } from '@flowtel/compression';
const body = await lz4FrameCompress([readFileSync(${JSON.stringify(input)})]);
writeFileSync(${JSON.stringify(output)}, body);
process.stdout.write(nativeLz4() ? 'native' : 'js');`;
  const used = execFileSync(
    process.execPath,
    ['--require', hook, '--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
    },
  );
  assert.equal(used, 'js');
  const read = await engineReads(readFileSync(output), 'lz4', 'body-js-lz4-read');
  assert.ok(read.startsWith(`${expected}\t`), read);
});
