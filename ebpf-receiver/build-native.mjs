#!/usr/bin/env node
// Builds the capture: vmlinux.h from the running kernel's BTF, the BPF object and its libbpf
// skeleton, the Node addon (node-gyp) and the benchmark's C floor consumer, into build/.
// A missing toolchain is not an error: flowtel runs without capture, so this prints why, records
// it in build/unavailable.txt for the receiver to repeat at start, and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build', 'bpf');
const unavailable = join(here, 'build', 'unavailable.txt');
const addon = join(here, 'build', 'Release', 'flowtel_ebpf.node');
const floor = join(out, 'floor_consumer');
const log = (msg) => process.stderr.write(`[ebpf-receiver] ${msg}\n`);

function skip(reason) {
  mkdirSync(dirname(unavailable), { recursive: true });
  writeFileSync(unavailable, `${reason}\n`);
  log(`capture not built: ${reason}`);
  process.exit(0);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: here, encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (r.status !== 0) {
    log(`failed: ${cmd} ${args.join(' ')}\n${r.stderr ?? ''}${r.error ?? ''}`);
    process.exit(1);
  }
  return r.stdout;
}

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function nodeGyp() {
  if (onPath('node-gyp')) return ['node-gyp'];
  // npm ships node-gyp; use it when it is not on PATH (outside `npm run`).
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  return existsSync(bundled) ? [process.execPath, bundled] : undefined;
}

function newestInput() {
  const files = ['binding.gyp', 'build-native.mjs', 'bench/floor_consumer.c'];
  for (const dir of ['bpf', 'native']) for (const f of readdirSync(join(here, dir))) files.push(join(dir, f));
  return Math.max(...files.map((f) => statSync(join(here, f)).mtimeMs));
}

function upToDate() {
  return [addon, floor].every((f) => existsSync(f) && statSync(f).mtimeMs >= newestInput());
}

const missingTools = ['clang', 'bpftool', 'make', 'g++', 'cc', 'python3'].filter((t) => !onPath(t));
if (missingTools.length)
  skip(
    `missing tools: ${missingTools.join(', ')} (install: apt-get install clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool make g++ python3)`,
  );
if (!existsSync('/usr/include/bpf/libbpf.h'))
  skip('libbpf headers are missing (install: apt-get install libbpf-dev libelf-dev)');
if (!existsSync('/sys/kernel/btf/vmlinux'))
  skip('this kernel exposes no BTF (/sys/kernel/btf/vmlinux): capture needs CONFIG_DEBUG_INFO_BTF=y');
const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found (it ships with npm)');
if (upToDate()) process.exit(0);

rmSync(unavailable, { force: true });
mkdirSync(out, { recursive: true });
log('building the capture programs and the addon');
writeFileSync(
  join(out, 'vmlinux.h'),
  run('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c']),
);
const arch = { x64: 'x86', arm64: 'arm64' }[process.arch] ?? process.arch;
// each kernel program (libbpf-bootstrap's triad: <name>.bpf.c, <name>.h) and its skeleton
for (const name of ['socket_trace', 'profiler']) {
  const object = join(out, `${name}.bpf.o`);
  run('clang', [
    '-g',
    '-O2',
    '-target',
    'bpf',
    `-D__TARGET_ARCH_${arch}`,
    `-I${out}`,
    '-Ibpf',
    '-c',
    `bpf/${name}.bpf.c`,
    '-o',
    object,
  ]);
  writeFileSync(join(out, `${name}.skel.h`), run('bpftool', ['gen', 'skeleton', object, 'name', name]));
}
// configure + build, not rebuild: rebuild's clean step would delete build/bpf.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
run(gyp[0], [...gyp.slice(1), 'configure', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]);
run(gyp[0], [...gyp.slice(1), 'build']);
run('cc', ['-O2', '-Wall', `-I${out}`, '-Ibpf', '-o', floor, 'bench/floor_consumer.c', '-lbpf', '-lelf', '-lz']);
log('capture built');
