// IP addresses as text, in the forms tshark and the eBPF receiver print: dotted quad, and
// RFC 5952 IPv6 (lower case, the longest run of zero groups compressed).

export function formatIpv4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

export function formatIpv6(bytes: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[at + i] << 8) | bytes[at + i + 1]);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((v) => v.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  const tail = groups.slice(bestStart + bestLength);
  // IPv4-mapped addresses read as such: ::ffff:127.0.0.1
  if (bestStart === 0 && bestLength === 5 && groups[5] === 0xffff) return `::ffff:${formatIpv4(bytes, at + 12)}`;
  return `${hex(groups.slice(0, bestStart))}::${hex(tail)}`;
}
