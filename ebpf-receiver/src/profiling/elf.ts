// The symbol tables of an ELF file (64-bit little-endian, as x86-64 and arm64 Linux use), read
// with positioned reads: only the headers, the symbol and string tables and two notes are read,
// not the whole file (libnode is 100 MB).
import { closeSync, openSync, readSync } from 'node:fs';

const PT_LOAD = 1;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHT_NOTE = 7;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const NT_GNU_BUILD_ID = 3;

/** A loadable segment: file bytes [offset, offset+fileSize) are mapped at vaddr. */
export interface LoadSegment {
  offset: number;
  vaddr: number;
  fileSize: number;
}

export interface ElfSymbols {
  /** function symbols sorted by address */
  starts: Float64Array;
  sizes: Float64Array;
  names: string[];
}

export interface ElfInfo {
  segments: LoadSegment[];
  /** from .symtab when present, else .dynsym; empty when neither has functions */
  symbols: ElfSymbols;
  /** true when the symbols came from .symtab (the full table), false for .dynsym only */
  fullSymtab: boolean;
  buildId?: string;
  debugLink?: string;
}

export class ElfError extends Error {}

class Reader {
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }
  read(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, offset + got);
      if (n === 0) throw new ElfError(`truncated ELF file (wanted ${length} bytes at ${offset})`);
      got += n;
    }
    return buf;
  }
  close(): void {
    closeSync(this.fd);
  }
}

interface Section {
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** Reads the ELF file at `path`; throws ElfError (or a fs error) when it is not one we read. */
export function readElf(path: string): ElfInfo {
  const r = new Reader(path);
  try {
    const h = r.read(0, 64);
    if (h.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(`${path} is not an ELF file`);
    if (h[4] !== 2 || h[5] !== 1) throw new ElfError(`${path} is not a 64-bit little-endian ELF file`);
    const phoff = u64(h, 32);
    const shoff = u64(h, 40);
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const shentsize = h.readUInt16LE(58);
    const shnum = h.readUInt16LE(60);
    const shstrndx = h.readUInt16LE(62);

    const segments: LoadSegment[] = [];
    if (phnum > 0) {
      const ph = r.read(phoff, phentsize * phnum);
      for (let i = 0; i < phnum; i++) {
        const at = i * phentsize;
        if (ph.readUInt32LE(at) !== PT_LOAD) continue;
        segments.push({ offset: u64(ph, at + 8), vaddr: u64(ph, at + 16), fileSize: u64(ph, at + 32) });
      }
    }

    const sections: Section[] = [];
    if (shnum > 0 && shoff > 0) {
      const sh = r.read(shoff, shentsize * shnum);
      const raw = [];
      for (let i = 0; i < shnum; i++) {
        const at = i * shentsize;
        raw.push({
          nameAt: sh.readUInt32LE(at),
          type: sh.readUInt32LE(at + 4),
          offset: u64(sh, at + 24),
          size: u64(sh, at + 32),
          link: sh.readUInt32LE(at + 40),
          entsize: u64(sh, at + 56),
        });
      }
      const names = raw[shstrndx] ? r.read(raw[shstrndx].offset, raw[shstrndx].size) : Buffer.alloc(0);
      for (const s of raw) sections.push({ ...s, name: cString(names, s.nameAt) });
    }

    const symtab = sections.find((s) => s.type === SHT_SYMTAB);
    const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
    let symbols = symtab ? readSymbols(r, symtab, sections) : emptySymbols();
    const fullSymtab = symbols.names.length > 0;
    if (!fullSymtab && dynsym) symbols = readSymbols(r, dynsym, sections);

    let buildId: string | undefined;
    for (const s of sections) {
      if (s.type !== SHT_NOTE || s.name !== '.note.gnu.build-id') continue;
      const note = r.read(s.offset, s.size);
      const nameSize = note.readUInt32LE(0);
      const descSize = note.readUInt32LE(4);
      if (note.readUInt32LE(8) === NT_GNU_BUILD_ID)
        buildId = note.subarray(12 + align4(nameSize), 12 + align4(nameSize) + descSize).toString('hex');
    }
    const link = sections.find((s) => s.name === '.gnu_debuglink');
    const debugLink = link ? cString(r.read(link.offset, link.size), 0) : undefined;
    return { segments, symbols, fullSymtab, buildId, debugLink };
  } finally {
    r.close();
  }
}

const align4 = (n: number) => (n + 3) & ~3;

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 ? buf.length : end);
}

function emptySymbols(): ElfSymbols {
  return { starts: new Float64Array(0), sizes: new Float64Array(0), names: [] };
}

function readSymbols(r: Reader, table: Section, sections: Section[]): ElfSymbols {
  const strtab = sections[table.link];
  if (!strtab || table.entsize < 24) return emptySymbols();
  const syms = r.read(table.offset, table.size);
  const strings = r.read(strtab.offset, strtab.size);
  const found: { start: number; size: number; nameAt: number }[] = [];
  for (let at = 0; at + 24 <= syms.length; at += table.entsize) {
    const type = syms[at + 4] & 0xf;
    const shndx = syms.readUInt16LE(at + 6);
    const value = u64(syms, at + 8);
    if ((type !== STT_FUNC && type !== STT_GNU_IFUNC) || shndx === 0 || value === 0) continue;
    found.push({ start: value, size: u64(syms, at + 16), nameAt: syms.readUInt32LE(at) });
  }
  found.sort((a, b) => a.start - b.start || b.size - a.size);
  const out = {
    starts: new Float64Array(found.length),
    sizes: new Float64Array(found.length),
    names: new Array<string>(found.length),
  };
  found.forEach((s, i) => {
    out.starts[i] = s.start;
    out.sizes[i] = s.size;
    out.names[i] = cString(strings, s.nameAt);
  });
  return out;
}

/** The function containing `vaddr`, or undefined (past a sized symbol's end, or before the first). */
export function lookupSymbol(symbols: ElfSymbols, vaddr: number): string | undefined {
  const i = lastAtOrBelow(symbols.starts, vaddr);
  if (i < 0) return undefined;
  const size = symbols.sizes[i];
  if (size > 0 && vaddr >= symbols.starts[i] + size) return undefined;
  return symbols.names[i];
}

/** Index of the last element <= x in a sorted array, or -1. */
export function lastAtOrBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The virtual address (as linked) of a file offset, through the load segment that holds it. */
export function fileOffsetToVaddr(segments: LoadSegment[], offset: number): number | undefined {
  for (const s of segments)
    if (offset >= s.offset && offset < s.offset + s.fileSize) return offset - s.offset + s.vaddr;
  return undefined;
}
