// Real servers from Debian packages for tests and benchmarks: each on a free loopback port,
// with its data and config in its own temp directory, never as a system service. They run as
// root where the server allows it (PostgreSQL refuses: it runs as the `postgres` user).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { waitForPort } from './wait.ts';

export interface RunningServer {
  port: number;
  /** where its config, data, socket and logs live */
  dir: string;
  /** the process started (nginx: the master) */
  pid: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `flowtel-${name}-`));
}

/** Runs a command to completion and fails with its output when it fails. */
function run(command: string, args: string[], options: { input?: string; user?: string } = {}): string {
  const [cmd, argv] = options.user ? ['runuser', ['-u', options.user, '--', command, ...args]] : [command, args];
  const r = spawnSync(cmd, argv, { input: options.input, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Spawns a server that stays in the foreground, waits until `ready` resolves, and returns its
 * handle. It fails early with the server's own output when it exits before it is ready.
 */
async function foreground(
  name: string,
  command: string,
  args: string[],
  port: number,
  dir: string,
  ready = () => waitForPort(port),
  env?: NodeJS.ProcessEnv,
): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const died = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`${name} could not start: ${err.message}`)));
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`)),
    );
  });
  try {
    await Promise.race([ready(), died]);
  } catch (err) {
    await stop();
    throw err;
  }
  died.catch(() => undefined);
  return { port, dir, pid: child.pid!, stop };
}

export interface NginxOptions {
  /** files served from the root, by name */
  files?: Record<string, string>;
  /** extra directives inside the `server` block (locations, `return`s) */
  serverBlock?: string;
  /** `worker_processes` (default 1) */
  workers?: number | 'auto';
  /** default off, so bodies travel through write calls that capture sees (it does not trace sendfile) */
  sendfile?: boolean;
  /** HTTP/2 without TLS (h2c, prior knowledge only) on the listener instead of HTTP/1 */
  http2?: boolean;
  /** HTTPS with this certificate and key (PEM files) instead of plain HTTP */
  tls?: { certFile: string; keyFile: string };
}

/** nginx serving `files` from a temp root. */
export async function startNginx(options: NginxOptions = {}): Promise<RunningServer> {
  const dir = tempDir('nginx');
  const port = await freePort();
  mkdirSync(join(dir, 'www'));
  for (const [name, content] of Object.entries(options.files ?? {})) writeFileSync(join(dir, 'www', name), content);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${dir}/${t};`)
    .join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `user root;
worker_processes ${options.workers ?? 1};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile ${options.sendfile ? 'on' : 'off'};
${temp}
  server {
    listen ${HOST}:${port}${options.tls ? ' ssl' : ''}${options.http2 ? ' http2' : ''};
${options.tls ? `    ssl_certificate ${options.tls.certFile};\n    ssl_certificate_key ${options.tls.keyFile};\n` : ''}    root ${dir}/www;
${options.serverBlock ?? ''}
  }
}
`,
  );
  return foreground(
    'nginx',
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    port,
    dir,
  );
}

export async function startRedis(): Promise<RunningServer> {
  const dir = tempDir('redis');
  const port = await freePort();
  return foreground(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir],
    port,
    dir,
  );
}

export interface PostgresServer extends RunningServer {
  /** a superuser that logs in over TCP without a password */
  user: string;
  database: string;
}

/** A fresh cluster (initdb, trust authentication) run by pg_ctl as the `postgres` user. */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = tempDir('postgres');
  const port = await freePort();
  const uid = Number(run('id', ['-u', 'postgres']));
  const gid = Number(run('id', ['-g', 'postgres']));
  chownSync(dir, uid, gid);
  const bin = join('/usr/lib/postgresql', run('ls', ['/usr/lib/postgresql']).trim().split('\n').sort().pop()!, 'bin');
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    user: 'postgres',
  });
  const options = `-p ${port} -k ${dir} -c listen_addresses=${HOST} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run(join(bin, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', options], {
    user: 'postgres',
  });
  const pid = Number(run('head', ['-1', join(data, 'postmaster.pid')]).trim());
  return {
    port,
    dir,
    pid,
    user: 'postgres',
    database: 'postgres',
    stop: async () => {
      spawnSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), 'stop', '-w', '-m', 'fast', '-D', data], {
        stdio: 'ignore',
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MariadbServer extends RunningServer {
  /** the server's unix socket, where root logs in without a password */
  socket: string;
  /** a user with every privilege that logs in over TCP with `password` */
  user: string;
  password: string;
  database: string;
}

/** The `mariadb` client's arguments that log in to `db` over TCP as its user, into its database. */
export function mariadbTcpLogin(db: MariadbServer): string[] {
  return [
    '--no-defaults',
    '--protocol=TCP',
    '-h',
    '127.0.0.1',
    '-P',
    String(db.port),
    '-u',
    db.user,
    `-p${db.password}`,
    db.database,
  ];
}

/** A fresh MariaDB (mariadb-install-db, then mariadbd) with a TCP user and database. */
export async function startMariadb(): Promise<MariadbServer> {
  const dir = tempDir('mariadb');
  const port = await freePort();
  const data = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  run('mariadb-install-db', [
    '--no-defaults',
    '--user=root',
    `--datadir=${data}`,
    '--skip-test-db',
    '--auth-root-authentication-method=socket',
  ]);
  const server = await foreground(
    'mariadbd',
    'mariadbd',
    [
      '--no-defaults',
      '--user=root',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      `--bind-address=${HOST}`,
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--skip-log-bin',
      '--innodb-flush-log-at-trx-commit=0',
    ],
    port,
    dir,
  );
  const account = { user: 'flowtel', password: 'flowtel-test', database: 'flowtel' };
  run('mariadb', ['--no-defaults', `--socket=${socket}`, '-u', 'root'], {
    input: `CREATE DATABASE ${account.database};
CREATE USER '${account.user}'@'%' IDENTIFIED BY '${account.password}';
GRANT ALL ON *.* TO '${account.user}'@'%';
`,
  });
  return { ...server, socket, ...account };
}

/** mosquitto on a TCP listener that takes anonymous clients, without persistence. */
export async function startMosquitto(): Promise<RunningServer> {
  const dir = tempDir('mosquitto');
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    `user root
persistence false
log_dest stderr
listener ${port} ${HOST}
allow_anonymous true
`,
  );
  return foreground('mosquitto', 'mosquitto', ['-c', join(dir, 'mosquitto.conf')], port, dir);
}

export async function startMemcached(): Promise<RunningServer> {
  const dir = tempDir('memcached');
  const port = await freePort();
  return foreground(
    'memcached',
    'memcached',
    ['-u', 'root', '-l', HOST, '-p', String(port), '-U', '0', '-m', '16', '-t', '1'],
    port,
    dir,
  );
}

/** nats-server on a free port, no auth, no persistence. */
export async function startNats(): Promise<RunningServer> {
  const dir = tempDir('nats');
  const port = await freePort();
  return foreground('nats-server', 'nats-server', ['-a', HOST, '-p', String(port)], port, dir);
}

/**
 * rabbitmq-server (the Debian package's, run directly rather than through its wrapper, which
 * switches to the rabbitmq user and the system's data dir) with its node, data, logs and Erlang
 * cookie in its own dir, guest allowed from loopback. Its epmd and distribution ports are free
 * ports too, so two brokers (or the system's) do not meet; the epmd it starts is stopped with it.
 */
export async function startRabbitmq(): Promise<RunningServer> {
  const dir = tempDir('rabbitmq');
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.1 = ${HOST}:${port}\nloopback_users = none\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: '-',
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_NODENAME: `flowtel-${port}@localhost`,
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
  };
  const server = await foreground(
    'rabbitmq-server',
    '/usr/lib/rabbitmq/bin/rabbitmq-server',
    [],
    port,
    dir,
    () => waitForPort(port, HOST, 120_000),
    env,
  );
  return {
    ...server,
    stop: async () => {
      await server.stop();
      spawnSync('epmd', ['-kill'], { env, stdio: 'ignore' });
    },
  };
}

/** dnsmasq answering `records` (name → IPv4 address, or addresses: one A record each) over UDP and TCP, and nothing else. */
export async function startDnsmasq(records: Record<string, string | string[]>): Promise<RunningServer> {
  const dir = tempDir('dnsmasq');
  const port = await freePort();
  const answers = Object.entries(records).flatMap(([name, addresses]) =>
    [addresses].flat().map((address) => `--address=/${name}/${address}`),
  );
  return foreground(
    'dnsmasq',
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--user=root',
      '--group=root',
      `--port=${port}`,
      `--listen-address=${HOST}`,
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      '--log-facility=-',
      ...answers,
    ],
    port,
    dir,
  );
}

/** Whether a command is on the PATH: tests name the tool they skip for. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
