// What /proc says about a local process: its command line, executable, name, start time and
// container. The start time tells a reused pid from the process that had it before.
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { containerOfCgroup, type CgroupContainer } from './container.ts';

export interface ProcInfo {
  pid: number;
  /** comm: the kernel's 15-character name */
  comm: string;
  executablePath?: string;
  executableName?: string;
  commandLine: string;
  /** clock ticks since boot (field 22 of /proc/<pid>/stat) */
  startTicks: string;
  container?: CgroupContainer;
}

const readText = (path: string) => readFileSync(path, 'utf8');

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The process, or undefined when it has exited or /proc does not show it. */
export function readProc(pid: number, procRoot = '/proc'): ProcInfo | undefined {
  const dir = `${procRoot}/${pid}`;
  const stat = tryRead(() => readText(`${dir}/stat`));
  if (!stat) return undefined;
  // comm may hold spaces and parentheses: the fields after it follow the last ')'
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const startTicks = stat.slice(close + 2).split(' ')[19] ?? '0';
  const cmdline = tryRead(() => readText(`${dir}/cmdline`)) ?? '';
  const executablePath = tryRead(() => readlinkSync(`${dir}/exe`));
  const cgroup = tryRead(() => readText(`${dir}/cgroup`));
  return {
    pid,
    comm,
    executablePath,
    executableName: executablePath ? basename(executablePath.replace(/ \(deleted\)$/, '')) : undefined,
    commandLine: cmdline.replace(/\0+$/, '').split('\0').join(' '),
    startTicks,
    container: cgroup ? containerOfCgroup(cgroup) : undefined,
  };
}
