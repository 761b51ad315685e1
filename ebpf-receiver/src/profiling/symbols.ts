// Addresses to names in user space: ELF .symtab/.dynsym of the mapped file (or of its debug
// file, found by build id or .gnu_debuglink), /proc/kallsyms for the kernel, and the JIT maps
// runtimes write (/tmp/perf-<pid>.map: Node.js --perf-basic-prof, Java perf-map-agent, Python
// 3.12 -X perf), read through /proc/<pid>/root so containers' files are found. An address that
// cannot be named keeps its mapping and offset.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileOffsetToVaddr, lastAtOrBelow, lookupSymbol, readElf, type ElfInfo } from './elf.ts';

export interface Mapping {
  start: number;
  end: number;
  offset: number;
  executable: boolean;
  /** the path in the process's mount namespace; '' for anonymous memory, '[vdso]' etc. as the kernel names them */
  path: string;
  dev: string;
  inode: number;
}

/** A frame as it goes into the profile. */
export interface Frame {
  /** the function's name; undefined when nothing names the address */
  name?: string;
  /** the mapping's file (or [kernel], [jit], [anon]) */
  mapping: string;
  mappingStart: bigint;
  mappingEnd: bigint;
  /** the address's offset in the mapped file (user frames) */
  fileOffset: bigint;
  /** the file offset the mapping starts at */
  mappingOffset: bigint;
  address: bigint;
  buildId?: string;
}

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: parseInt(m[1], 16),
      end: parseInt(m[2], 16),
      executable: m[3][2] === 'x',
      offset: parseInt(m[4], 16),
      dev: m[5],
      inode: Number(m[6]),
      path: m[7],
    });
  }
  return out;
}

interface JitSymbols {
  starts: Float64Array;
  ends: Float64Array;
  names: string[];
  mtimeMs: number;
  size: number;
}

/** "START SIZE name" lines (hex without 0x, as perf's JIT interface documents). */
export function parsePerfMap(text: string): Omit<JitSymbols, 'mtimeMs' | 'size'> {
  const entries: { start: number; end: number; name: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(?:0x)?([0-9a-fA-F]+) (?:0x)?([0-9a-fA-F]+) (.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1], 16);
    entries.push({ start, end: start + parseInt(m[2], 16), name: m[3] });
  }
  // a later line for the same code wins (the JIT reused it): stable sort keeps file order
  entries.sort((a, b) => a.start - b.start);
  return {
    starts: Float64Array.from(entries, (e) => e.start),
    ends: Float64Array.from(entries, (e) => e.end),
    names: entries.map((e) => e.name),
  };
}

interface KernelSymbols {
  /** addresses relative to base, so they fit a double exactly */
  base: bigint;
  starts: Float64Array;
  names: string[];
}

function readKallsyms(path: string): KernelSymbols {
  const entries: { address: bigint; name: string }[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const sp1 = line.indexOf(' ');
    const type = line[sp1 + 1];
    if (type !== 't' && type !== 'T' && type !== 'w' && type !== 'W') continue;
    const address = BigInt(`0x${line.slice(0, sp1)}`);
    if (address === 0n) continue; // kptr_restrict hides them: nothing to name with
    const rest = line.slice(sp1 + 3);
    const tab = rest.indexOf('\t');
    entries.push({ address, name: tab < 0 ? rest : `${rest.slice(0, tab)} ${rest.slice(tab + 1)}` });
  }
  entries.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const base = entries.length ? entries[0].address : 0n;
  return {
    base,
    starts: Float64Array.from(entries, (e) => Number(e.address - base)),
    names: entries.map((e) => e.name),
  };
}

interface ProcessState {
  maps: Mapping[];
  /** the maps as read: unchanged text keeps the frames named so far */
  mapsText: string;
  nspid: number;
  jit?: JitSymbols;
  /** the last report that used the process */
  generation: number;
  /** the report that read the maps */
  readGeneration: number;
  /** ctime of /proc/<pid>: another value means another process under the same pid */
  birth: number;
  /** the report that last looked for the JIT map */
  jitGeneration: number;
  /** frames named so far, by address (negated for a leaf, which is looked up as is) */
  frames: Map<number, Frame | null>;
}

export interface SymbolizerStats {
  /** ELF files read (each once while its file is unchanged) */
  elfFilesRead: number;
  /** user frames whose address no executable mapping of the process holds */
  unmappedFrames: number;
  /** frames no table could name (they keep mapping and offset), counted once per distinct address */
  unnamedFrames: number;
}

export class Symbolizer {
  private readonly elfs = new Map<string, ElfInfo | null>();
  private readonly processes = new Map<number, ProcessState>();
  private kernel?: KernelSymbols;
  private readonly kernelCache = new Map<bigint, Frame>();
  private generation = 0;
  readonly stats: SymbolizerStats = { elfFilesRead: 0, unmappedFrames: 0, unnamedFrames: 0 };
  private readonly procRoot: string;
  private readonly kallsymsPath: string;

  constructor(options: { procRoot?: string; kallsyms?: string } = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.kallsymsPath = options.kallsyms ?? '/proc/kallsyms';
  }

  /** Starts a report: process maps and JIT maps are read again as they are first needed. */
  nextReport(): void {
    this.generation++;
    // processes not seen for a while are gone or idle: forget them
    for (const [pid, state] of this.processes) if (this.generation - state.generation > 12) this.processes.delete(pid);
  }

  kernelFrames(addresses: bigint[]): Frame[] {
    this.kernel ??= this.loadKernel();
    const k = this.kernel;
    return addresses.map((address, i) => {
      const key = i === 0 ? -address : address;
      let frame = this.kernelCache.get(key);
      if (frame === undefined) {
        const rel = Number(address - k.base) - (i === 0 ? 0 : 1);
        const at = rel >= 0 ? lastAtOrBelow(k.starts, rel) : -1;
        const name = at >= 0 ? k.names[at] : undefined;
        if (name === undefined) this.stats.unnamedFrames++;
        frame = {
          name,
          mapping: '[kernel]',
          mappingStart: 0n,
          mappingEnd: 0n,
          fileOffset: 0n,
          mappingOffset: 0n,
          address,
        };
        if (this.kernelCache.size >= FRAME_CACHE_LIMIT) this.kernelCache.clear();
        this.kernelCache.set(key, frame);
      }
      return frame;
    });
  }

  private loadKernel(): KernelSymbols {
    try {
      return readKallsyms(this.kallsymsPath);
    } catch {
      return { base: 0n, starts: new Float64Array(0), names: [] };
    }
  }

  /**
   * Names a thread's user stack (innermost first). Return addresses are looked up one byte back
   * (inside the call). A frame pointer chain that went through code built without frame
   * pointers yields addresses in no executable mapping: the stack is cut there, its leaf part
   * kept, and the cut counted.
   */
  userFrames(pid: number, addresses: number[]): Frame[] {
    let state = this.process(pid);
    const out: Frame[] = [];
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i];
      const key = i === 0 ? -address : address;
      const cached = state?.frames.get(key);
      if (cached === null) {
        this.stats.unmappedFrames++;
        break;
      }
      if (cached) {
        out.push(cached);
        continue;
      }
      const lookup = i === 0 ? address : address - 1;
      let m = state ? findMapping(state.maps, lookup) : undefined;
      if (!m && state && state.readGeneration !== this.generation) {
        // mapped since the maps were read (dlopen, a new JIT region)?
        state = this.process(pid, true);
        m = state ? findMapping(state.maps, lookup) : undefined;
      }
      if (!m) {
        // a process gone before the report keeps its bare addresses
        if (!state) {
          out.push(bare(address));
          this.stats.unnamedFrames++;
          continue;
        }
        this.stats.unmappedFrames++;
        cacheFrame(state, key, null);
        break;
      }
      const frame = this.userFrame(pid, state!, m, address, lookup);
      // JIT code named later (the runtime wrote its map since) is looked up again: a changed
      // or new map clears the process's cache
      cacheFrame(state!, key, frame);
      out.push(frame);
    }
    return out;
  }

  private userFrame(pid: number, state: ProcessState, m: Mapping, address: number, lookup: number): Frame {
    const frame: Frame = {
      mapping: m.path === '' ? '[anon]' : m.path,
      mappingStart: BigInt(m.start),
      mappingEnd: BigInt(m.end),
      fileOffset: BigInt(lookup - m.start + m.offset),
      mappingOffset: BigInt(m.offset),
      address: BigInt(address),
    };
    if (m.path.startsWith('/') && m.inode !== 0) {
      const elf = this.elf(pid, m);
      if (elf) {
        frame.buildId = elf.buildId;
        const vaddr = fileOffsetToVaddr(elf.segments, lookup - m.start + m.offset);
        if (vaddr !== undefined) frame.name = lookupSymbol(elf.symbols, vaddr);
      }
    } else {
      // JIT code lives in anonymous executable memory; the runtime's perf map names it
      const jit = this.jit(pid, state);
      if (jit) {
        const at = lastAtOrBelow(jit.starts, lookup);
        if (at >= 0 && lookup < jit.ends[at]) {
          frame.name = jit.names[at];
          frame.mapping = '[jit]';
        }
      }
    }
    if (frame.name === undefined) this.stats.unnamedFrames++;
    return frame;
  }

  /**
   * The process's mappings. Reading /proc/<pid>/maps costs the kernel a walk of every mapping
   * (a Node.js process has thousands), so they are read again only when an address falls
   * outside them (refresh), when the pid names another process (/proc/<pid> was made anew), or
   * after MAPS_MAX_AGE reports.
   */
  private process(pid: number, refresh = false): ProcessState | undefined {
    let state = this.processes.get(pid);
    if (state && state.generation === this.generation && !refresh) return state;
    let birth: number;
    try {
      birth = statSync(`${this.procRoot}/${pid}`).ctimeMs;
    } catch {
      // gone: what was read before still serves this report
      return state;
    }
    if (state && !refresh && state.birth === birth && this.generation - state.readGeneration < MAPS_MAX_AGE) {
      state.generation = this.generation;
      return state;
    }
    if (state && refresh && state.readGeneration === this.generation) return state;
    try {
      const mapsText = readFileSync(`${this.procRoot}/${pid}/maps`, 'utf8');
      if (state && state.birth === birth && state.mapsText === mapsText) {
        state.generation = state.readGeneration = this.generation;
        return state;
      }
      const status = readFileSync(`${this.procRoot}/${pid}/status`, 'utf8');
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1].trim().split(/\s+/).pop();
      state = {
        maps: parseMaps(mapsText),
        mapsText,
        birth,
        nspid: nspid ? Number(nspid) : pid,
        jit: state?.birth === birth ? state.jit : undefined,
        generation: this.generation,
        readGeneration: this.generation,
        jitGeneration: 0,
        frames: new Map(),
      };
      this.processes.set(pid, state);
      return state;
    } catch {
      return state;
    }
  }

  /** The process's JIT map, looked for once per report; a changed map forgets the named frames. */
  private jit(pid: number, state: ProcessState): JitSymbols | undefined {
    if (state.jitGeneration === this.generation) return state.jit;
    state.jitGeneration = this.generation;
    const path = `${this.procRoot}/${pid}/root/tmp/perf-${state.nspid}.map`;
    let st;
    try {
      st = statSync(path);
    } catch {
      state.jit = undefined;
      return undefined;
    }
    if (!state.jit || state.jit.mtimeMs !== st.mtimeMs || state.jit.size !== st.size) {
      try {
        state.jit = { ...parsePerfMap(readFileSync(path, 'utf8')), mtimeMs: st.mtimeMs, size: st.size };
        state.frames.clear();
      } catch {
        return state.jit;
      }
    }
    return state.jit;
  }

  /** The symbols of a mapped file, cached per file (device, inode) and read once. */
  private elf(pid: number, m: Mapping): ElfInfo | undefined {
    const key = `${m.dev}:${m.inode}`;
    const cached = this.elfs.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const root = `${this.procRoot}/${pid}/root`;
    let info: ElfInfo | null = null;
    try {
      info = readElf(`${root}${m.path}`);
    } catch {
      // deleted or replaced since it was mapped: the kernel still has it
      try {
        info = readElf(`${this.procRoot}/${pid}/map_files/${m.start.toString(16)}-${m.end.toString(16)}`);
      } catch {
        info = null;
      }
    }
    if (info && !info.fullSymtab) {
      const debug = readDebugFile(root, m.path, info);
      if (debug) info = { ...info, symbols: debug.symbols, fullSymtab: true };
    }
    this.stats.elfFilesRead++;
    this.elfs.set(key, info);
    return info ?? undefined;
  }
}

/** A separate debug file (build-id first, then .gnu_debuglink), as gdb looks for them. */
function readDebugFile(root: string, path: string, info: ElfInfo): ElfInfo | undefined {
  const candidates: string[] = [];
  if (info.buildId && info.buildId.length > 2)
    candidates.push(`/usr/lib/debug/.build-id/${info.buildId.slice(0, 2)}/${info.buildId.slice(2)}.debug`);
  if (info.debugLink) {
    const dir = dirname(path);
    candidates.push(
      join(dir, info.debugLink),
      join(dir, '.debug', info.debugLink),
      join('/usr/lib/debug', dir, info.debugLink),
    );
  }
  for (const candidate of candidates) {
    try {
      const debug = readElf(`${root}${candidate}`);
      if (debug.fullSymtab && (!info.buildId || !debug.buildId || debug.buildId === info.buildId)) return debug;
    } catch {
      // not there
    }
  }
  return undefined;
}

const FRAME_CACHE_LIMIT = 1 << 16;
/** reports after which a process's maps are read again even when every address was found */
const MAPS_MAX_AGE = 12;

function cacheFrame(state: ProcessState, key: number, frame: Frame | null): void {
  if (state.frames.size >= FRAME_CACHE_LIMIT) state.frames.clear();
  state.frames.set(key, frame);
}

function findMapping(maps: Mapping[], address: number): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = maps[mid];
    if (address < m.start) hi = mid - 1;
    else if (address >= m.end) lo = mid + 1;
    else return m.executable ? m : undefined;
  }
  return undefined;
}

function bare(address: number): Frame {
  return {
    mapping: '[unknown]',
    mappingStart: 0n,
    mappingEnd: 0n,
    fileOffset: 0n,
    mappingOffset: 0n,
    address: BigInt(address),
  };
}

/** The executable of a process, for its resource attributes; undefined once it is gone. */
export function executableOf(pid: number, procRoot = '/proc'): string | undefined {
  try {
    return readlinkSync(`${procRoot}/${pid}/exe`);
  } catch {
    return undefined;
  }
}
