// The filelog receiver (issue 20's figures), in this process with a consumer that counts:
//  (a) reading one large file of 200-byte JSON lines from the beginning with json_parser and
//      severity_parser: lines per CPU second (target 300k) and peak RSS. The file is
//      1 GiB; BENCH_FILE_MIB (default 256) sets the size used.
//  (b) tailing 100 files each written at 100 lines/s by another process for BENCH_SECONDS
//      (default 30): the receiver's CPU, every line counted.
//   node --import tsx bench/filelog.ts
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogsBatch } from '@flowtel/core';
import { factory } from '@flowtel/receiver-filelog';
import { testHost, testSettings, waitFor } from '@flowtel/testkit';
import { report, selfUsage, usageFigures } from './lib/report.ts';

const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 256);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const LEVELS = ['debug', 'info', 'warn', 'error'];
const dir = mkdtempSync(join(tmpdir(), 'bench-filelog-'));

/** a 200-byte JSON line (199 + newline) */
function line(i: number): string {
  const head = `{"time":"2024-05-01T12:00:00.${String(i % 1000).padStart(3, '0')}Z","level":"${LEVELS[i % 4]}","seq":${i},"msg":"`;
  return head + 'x'.repeat(199 - head.length - 2) + '"}\n';
}

function counting() {
  const state = { lines: 0 };
  const consumer = {
    consume: async (b: unknown) => {
      state.lines += (b as LogsBatch).items;
    },
  };
  return { state, consumer };
}

async function largeFile() {
  const path = join(dir, 'big.log');
  const fd = openSync(path, 'w');
  const perChunk = 5000;
  const total = Math.floor((FILE_MIB * 1024 * 1024) / 200);
  for (let i = 0; i < total; i += perChunk) {
    let s = '';
    for (let k = i; k < Math.min(total, i + perChunk); k++) s += line(k);
    writeSync(fd, s);
  }
  closeSync(fd);
  const { state, consumer } = counting();
  const config = factory.configSchema.parse({
    include: [path],
    start_at: 'beginning',
    operators: [{ type: 'json_parser' }, { type: 'severity_parser', parse_from: 'attributes.level' }],
  });
  const receiver = factory.createReceiver(testSettings('filelog', 'receiver'), config, { logs: consumer });
  const before = selfUsage();
  const t0 = Date.now();
  await receiver.start(testHost());
  await waitFor('every line', async () => state.lines >= total, 3_600_000, 20);
  const seconds = (Date.now() - t0) / 1000;
  const after = selfUsage();
  await receiver.shutdown();
  rmSync(path);
  const cpu = after.cpu_seconds - before.cpu_seconds;
  return {
    file_mib: FILE_MIB,
    lines: total,
    lines_received: state.lines,
    wall_seconds: Math.round(seconds * 100) / 100,
    lines_per_cpu_second: Math.round(total / cpu),
    lines_per_second: Math.round(total / seconds),
    ...usageFigures(before, after, seconds),
    target_lines_per_cpu_second: 300_000,
  };
}

async function tailing() {
  const files = 100;
  const rate = 100;
  const { state, consumer } = counting();
  for (let f = 0; f < files; f++) writeFileSync(join(dir, `tail-${f}.log`), '');
  const config = factory.configSchema.parse({
    include: [join(dir, 'tail-*.log')],
    operators: [{ type: 'json_parser' }, { type: 'severity_parser', parse_from: 'attributes.level' }],
  });
  const receiver = factory.createReceiver(testSettings('filelog', 'receiver'), config, { logs: consumer });
  await receiver.start(testHost());
  // the writer: another process, every 100 ms 10 lines to each file (100 lines/s per file); each
  // file's lines differ (files with the same first bytes would be one file to the fingerprint)
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `const fs=require('fs');const line=${line.toString()};const LEVELS=${JSON.stringify(LEVELS)};
       let n=0;const end=Date.now()+${SECONDS * 1000};
       const t=setInterval(()=>{for(let f=0;f<${files};f++){let s='';for(let k=0;k<${rate / 10};k++)s+=line(f*1e9+n+k);fs.appendFileSync('${dir}/tail-'+f+'.log',s)}n+=${rate / 10};
       if(Date.now()>=end){clearInterval(t);process.stdout.write(String(n*${files}))}},100);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let written = '';
  writer.stdout.on('data', (d) => (written += d));
  const before = selfUsage();
  const t0 = Date.now();
  await new Promise((r) => writer.on('exit', r));
  await waitFor('every tailed line', async () => state.lines >= Number(written), 60_000, 20).catch((err) => {
    throw new Error(`${(err as Error).message}: ${state.lines} of ${written}`);
  });
  const seconds = (Date.now() - t0) / 1000;
  const after = selfUsage();
  await receiver.shutdown();
  return {
    files,
    lines_per_second_per_file: rate,
    lines_written: Number(written),
    lines_received: state.lines,
    ...usageFigures(before, after, seconds),
  };
}

const large = await largeFile();
const tail = await tailing();
rmSync(dir, { recursive: true, force: true });
report('filelog', { large_file: large, tail_100_files: tail });
