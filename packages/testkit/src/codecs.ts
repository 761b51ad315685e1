// Compression done by other people's code, to test ours against: the reference `lz4` and
// `zstd` command-line tools, and python-snappy's framing-format stream classes (over the
// snappy C++ library). Debian's python3-snappy 0.5.3 cannot compute its CRC-32C on Python 3.11
// (its C helper trips PY_SSIZE_T_CLEAN), so the script gives it a table-driven CRC-32C, checked
// against the iSCSI check value before use; the framing and the blocks stay python-snappy's.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

const MAX_BUFFER = 256 * 1024 * 1024;

/** Why a codec tool is missing, or undefined when all are here (setup installs them for tests). */
function missingCodecTools(): string | undefined {
  for (const [tool, path] of [
    ['lz4', '/usr/bin/lz4'],
    ['zstd', '/usr/bin/zstd'],
    ['python3', '/usr/bin/python3'],
  ]) {
    if (!existsSync(path)) return `${tool} is not installed`;
  }
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import snappy'], { stdio: 'ignore' });
  } catch {
    return 'python3-snappy is not installed';
  }
  return undefined;
}

/** Whether the codec tools are here; skips the test when not, and fails it under CI=true. */
export function codecToolsOr(t: TestContext): boolean {
  const missing = missingCodecTools();
  if (!missing) return true;
  if (process.env.CI === 'true') throw new Error(missing);
  t.skip(missing);
  return false;
}

/** `lz4` with its arguments, bytes in and out (e.g. ['-c'] compresses, ['-d', '-c'] decompresses). */
export function lz4Tool(args: string[], input: Uint8Array): Buffer {
  return execFileSync('/usr/bin/lz4', args, { input, maxBuffer: MAX_BUFFER });
}

/** `zstd` with its arguments (['-c', '-q'] compresses, ['-d', '-c', '-q'] decompresses). */
export function zstdTool(args: string[], input: Uint8Array): Buffer {
  return execFileSync('/usr/bin/zstd', args, { input, maxBuffer: MAX_BUFFER });
}

const PYTHON_SNAPPY = `
import sys, snappy, snappy.snappy as s
table = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (0x82f63b78 ^ (c >> 1)) if c & 1 else c >> 1
    table.append(c)
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc = table[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff
assert crc32c(b"123456789") == 0xe3069283
s._crc32c = crc32c
data = sys.stdin.buffer.read()
if sys.argv[1] == "frame":
    out = snappy.StreamCompressor().add_chunk(data)
elif sys.argv[1] == "unframe":
    d = snappy.StreamDecompressor()
    out = d.decompress(data)
    d.flush()
elif sys.argv[1] == "block":
    out = snappy.compress(data)
else:
    out = snappy.uncompress(data)
sys.stdout.buffer.write(out)
`;

/** python-snappy: 'frame' / 'unframe' (the framing format), 'block' / 'unblock' (raw blocks). */
export function pythonSnappy(mode: 'frame' | 'unframe' | 'block' | 'unblock', input: Uint8Array): Buffer {
  return execFileSync('/usr/bin/python3', ['-c', PYTHON_SNAPPY, mode], { input, maxBuffer: MAX_BUFFER });
}
