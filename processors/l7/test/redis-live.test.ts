// A real redis-server and redis-cli talking through a recording proxy: the recorded bytes
// parse into the commands sent and their replies, with AUTH arguments redacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { freePort, waitForPort } from '@flowtel/testkit';
import { redis } from '../src/protocols/redis.ts';
import { feed } from './helpers.ts';
import { tapProxy } from './tap-proxy.ts';

function installed(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

test('redis live: redis-cli against redis-server through a tap', async (t) => {
  if (!installed('redis-server') || !installed('redis-cli')) {
    assert.notEqual(process.env.CI, 'true', 'redis-server and redis-cli are needed (apt: redis-server)');
    t.skip('redis-server or redis-cli not installed (apt: redis-server)');
    return;
  }
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  try {
    await waitForPort(port);
    const tap = await tapProxy(port);
    const commands = [
      'SET greeting hello',
      'GET greeting',
      'GET missing',
      'HSET h f 1',
      'HGETALL h',
      'INCR counter',
      'LPUSH l a b',
      'LRANGE l 0 -1',
      'AUTH s3cret',
      'PING',
    ];
    // Asynchronously: the proxy runs in this process and must keep forwarding meanwhile.
    const cli = spawn('redis-cli', ['-p', String(tap.port)], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    cli.stderr.on('data', (d) => (stderr += d));
    cli.stdin.end(`${commands.join('\n')}\n`);
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    await tap.close();
    assert.equal(code, 0, stderr);
    const out = feed(redis, redis.createState(), tap.chunks);
    const requests = out.filter((m) => m.kind === 'request');
    const responses = out.filter((m) => m.kind === 'response');
    // redis-cli may open with a COMMAND DOCS or HELLO handshake of its own: only the tail is ours.
    const ours = requests.slice(-commands.length);
    assert.deepEqual(
      ours.map((m) => m.request_type?.toUpperCase()),
      commands.map((c) => c.split(' ')[0]),
    );
    assert.equal(ours[8].request_resource, 'AUTH ?');
    assert.equal(ours[0].request_resource, 'SET greeting ?', 'values are masked, keys stay');
    assert.equal(ours[3].request_resource, 'HSET h f ?');
    assert.ok(!JSON.stringify(out).includes('s3cret'), 'the password never appears');
    assert.equal(responses.length, requests.length, 'every command answered');
    const mine = responses.slice(-commands.length);
    assert.deepEqual(
      mine.map((m) => m.response_result),
      [
        'SimpleString',
        'BulkString',
        'BulkString',
        'Integer',
        'Array',
        'Integer',
        'Integer',
        'Array',
        'Error',
        'SimpleString',
      ],
    );
    assert.equal(mine[8].response_status, 'server_error');
    assert.match(mine[8].response_exception ?? '', /AUTH/);
  } finally {
    server.kill();
  }
});
