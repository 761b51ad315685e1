// Real servers and clients for the capture tests, each in its own process on a free loopback
// port, with the process ids the captured events must carry.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  freePort,
  startNginx as startTestkitNginx,
  startRedis as startTestkitRedis,
  waitFor,
  waitForPort,
  type NginxOptions,
} from '@flowtel/testkit';

export interface RunningServer {
  port: number;
  /** the processes that serve connections (nginx: its workers) */
  servingPids: number[];
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
}

function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(/\s+/).map(Number) : [];
}

/** testkit's nginx serving `files`, with the pids of its workers (the processes capture sees serve). */
export async function startNginx(
  files: Record<string, string>,
  options: Pick<NginxOptions, 'workers' | 'sendfile'> = {},
): Promise<RunningServer> {
  const nginx = await startTestkitNginx({ files, ...options });
  const servingPids = await waitFor('the nginx workers', async () => {
    const workers = childPids(nginx.pid);
    return workers.length > 0 && (options.workers === 'auto' || workers.length === (options.workers ?? 1))
      ? workers
      : undefined;
  });
  return { port: nginx.port, servingPids, stop: nginx.stop };
}

export async function startRedis(): Promise<RunningServer> {
  const redis = await startTestkitRedis();
  return { port: redis.port, servingPids: [redis.pid], stop: redis.stop };
}

/** A Node HTTP server answering every request with `body`; on `::` it takes IPv6 and IPv4. */
export async function startNodeHttp(body: string, host = '127.0.0.1'): Promise<RunningServer> {
  const port = await freePort(host === '::' ? '::1' : host);
  const script = `require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end(${JSON.stringify(body)})); }).listen(${port}, '${host}');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, servingPids: [child.pid!], stop: stopper(child) };
}

export interface Finished {
  pid: number;
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a client to completion, with `input` on its stdin; its pid is the one its events carry. */
export function runClient(command: string, args: string[], input?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ pid: child.pid!, code, stdout: Buffer.concat(stdout), stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** A Node UDP server answering each datagram `m` with `pong:m`. */
export async function startUdpEcho(): Promise<RunningServer> {
  const port = await freePort();
  const script = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m, r) => s.send(Buffer.concat([Buffer.from('pong:'), m]), r.port, r.address));
s.bind(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return { port, servingPids: [child.pid!], stop: stopper(child) };
}

/** Sends `message` from an unconnected UDP socket and prints its own port and the answer. */
export function udpClient(port: number, message: string): Promise<Finished> {
  const script = `const c = require('node:dgram').createSocket('udp4');
c.on('message', (m) => { console.log(c.address().port + ' ' + m); c.close(); });
c.bind(0, '127.0.0.1', () => c.send(${JSON.stringify(message)}, ${port}, '127.0.0.1'));`;
  return runClient(process.execPath, ['-e', script]);
}
