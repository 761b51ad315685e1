// Socket addresses as text, one form for both socket-event receivers (ebpf, pcap): dotted IPv4,
// RFC 5952 IPv6, and IPv4-mapped IPv6 (a dual-stack socket talking IPv4) as plain IPv4, so the
// two ends of one connection name the same address whichever socket family each side used.

export function ipv4Text(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

function isV4Mapped(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 10; i++) if (bytes[at + i] !== 0) return false;
  return bytes[at + 10] === 0xff && bytes[at + 11] === 0xff;
}

export function ipv6Text(bytes: Uint8Array, at: number): string {
  if (isV4Mapped(bytes, at)) return ipv4Text(bytes, at + 12);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[at + i] << 8) | bytes[at + i + 1]);
  // the longest run of two or more zero groups becomes `::` (the first, when tied)
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (g: number[]) => g.map((n) => n.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
