// Journal files for the tests, written by systemd's own systemd-journal-remote from the journal
// export format (systemd's "Journal Export Format": KEY=value lines, binary fields as the name,
// a little-endian 64-bit length and the bytes; a blank line ends an entry).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';
const BOOT_ID = '0123456789abcdef0123456789abcdef';

/** why the journal tests cannot run here, or undefined */
export function journalToolsMissing(): string | undefined {
  if (!existsSync(JOURNAL_REMOTE))
    return 'systemd-journal-remote is not installed (Debian package systemd-journal-remote)';
  try {
    execFileSync('journalctl', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'journalctl is not installed (Debian package systemd)';
  }
  return undefined;
}

export type Fields = Record<string, string | Buffer>;

let monotonic = 1;

/**
 * appends entries to `dir/name.journal`; each gets __REALTIME_TIMESTAMP `realtimeUs` + its index
 * and PRIORITY 6 (info) unless it has its own: journalctl's default priority filter passes no
 * entry without one
 */
export function writeJournal(dir: string, name: string, entries: Fields[], realtimeUs = Date.now() * 1000): void {
  const parts: Buffer[] = [];
  entries.forEach((fields, i) => {
    const all: Fields = {
      __REALTIME_TIMESTAMP: String(realtimeUs + i),
      __MONOTONIC_TIMESTAMP: String(monotonic++),
      _BOOT_ID: BOOT_ID,
      PRIORITY: '6',
      ...fields,
    };
    for (const [key, value] of Object.entries(all)) {
      if (typeof value === 'string') parts.push(Buffer.from(`${key}=${value}\n`));
      else {
        const size = Buffer.alloc(8);
        size.writeBigUInt64LE(BigInt(value.length));
        parts.push(Buffer.from(`${key}\n`), size, value, Buffer.from('\n'));
      }
    }
    parts.push(Buffer.from('\n'));
  });
  execFileSync(JOURNAL_REMOTE, ['-o', join(dir, `${name}.journal`), '-'], {
    input: Buffer.concat(parts),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}
