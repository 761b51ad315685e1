// Writes captures in every container and link-layer variant the reader claims to read, from
// the frames of real captures. tshark reads what this writes, so a test can check the writer
// before it trusts it.

export interface WrittenFrame {
  data: Uint8Array;
  timestampNs: bigint;
  originalLength?: number;
  interfaceId?: number;
}

export function writePcap(
  frames: WrittenFrame[],
  options: { linkType: number; littleEndian?: boolean; nanos?: boolean; snaplen?: number },
): Buffer {
  const le = options.littleEndian ?? true;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const u16 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  u32(header, options.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, options.snaplen ?? 262144, 16);
  u32(header, options.linkType, 20);
  parts.push(header);
  for (const f of frames) {
    const record = Buffer.alloc(16);
    const seconds = f.timestampNs / 1_000_000_000n;
    const fraction = f.timestampNs % 1_000_000_000n;
    u32(record, Number(seconds), 0);
    u32(record, Number(options.nanos ? fraction : fraction / 1000n), 4);
    u32(record, f.data.length, 8);
    u32(record, f.originalLength ?? f.data.length, 12);
    parts.push(record, Buffer.from(f.data));
  }
  return Buffer.concat(parts);
}

export interface WrittenInterface {
  linkType: number;
  /** if_tsresol byte: 6 = microseconds (the default), 9 = nanoseconds, 0x80|n = 2^-n */
  tsresol?: number;
  /** if_tsoffset: seconds added to every timestamp of the interface */
  tsoffsetSeconds?: number;
}

/** `simple` packet blocks carry no timestamp nor interface (interface 0); `obsolete` is pcapng 1.0's packet block */
export type PacketBlock = 'enhanced' | 'simple' | 'obsolete';

export function writePcapng(
  frames: WrittenFrame[],
  options: { interfaces: WrittenInterface[]; littleEndian?: boolean; packetBlock?: PacketBlock },
): Buffer {
  const le = options.littleEndian ?? true;
  const block = (type: number, body: Buffer) => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const out = Buffer.alloc(12 + padded.length);
    const total = out.length;
    if (le) {
      out.writeUInt32LE(type, 0);
      out.writeUInt32LE(total, 4);
      out.writeUInt32LE(total, total - 4);
    } else {
      out.writeUInt32BE(type, 0);
      out.writeUInt32BE(total, 4);
      out.writeUInt32BE(total, total - 4);
    }
    padded.copy(out, 8);
    return out;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const section = Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]);
  const parts = [block(0x0a0d0d0a, section)];
  const unitsPerSecond: bigint[] = [];
  for (const iface of options.interfaces) {
    const options: Buffer[] = [];
    const resolution = iface.tsresol ?? 6;
    if (iface.tsresol !== undefined) options.push(u16(9), u16(1), Buffer.from([resolution, 0, 0, 0]));
    if (iface.tsoffsetSeconds !== undefined) {
      const offset = Buffer.alloc(8);
      if (le) offset.writeBigInt64LE(BigInt(iface.tsoffsetSeconds));
      else offset.writeBigInt64BE(BigInt(iface.tsoffsetSeconds));
      options.push(u16(14), u16(8), offset);
    }
    options.push(u16(0), u16(0));
    parts.push(block(1, Buffer.concat([u16(iface.linkType), u16(0), u32(262144), ...options])));
    unitsPerSecond.push((resolution & 0x80) !== 0 ? 1n << BigInt(resolution & 0x7f) : 10n ** BigInt(resolution));
  }
  const packetBlock = options.packetBlock ?? 'enhanced';
  for (const f of frames) {
    const id = f.interfaceId ?? 0;
    const offsetNs = BigInt(options.interfaces[id].tsoffsetSeconds ?? 0) * 1_000_000_000n;
    const units = ((f.timestampNs - offsetNs) * unitsPerSecond[id]) / 1_000_000_000n;
    const original = f.originalLength ?? f.data.length;
    const time = [u32(Number(units >> 32n)), u32(Number(units & 0xffffffffn))];
    if (packetBlock === 'simple') parts.push(block(3, Buffer.concat([u32(original), Buffer.from(f.data)])));
    else if (packetBlock === 'obsolete') {
      parts.push(
        block(2, Buffer.concat([u16(id), u16(0), ...time, u32(f.data.length), u32(original), Buffer.from(f.data)])),
      );
    } else
      parts.push(block(6, Buffer.concat([u32(id), ...time, u32(f.data.length), u32(original), Buffer.from(f.data)])));
  }
  return Buffer.concat(parts);
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

/** The IP packet inside an untagged Ethernet frame. */
export function ipOfEthernet(frame: Uint8Array): Buffer {
  return Buffer.from(frame.subarray(14));
}

const etherTypeOf = (ip: Buffer) => (ip[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);

/** Re-wraps an IP packet in the given link layer. */
export function wrapIp(ip: Buffer, link: 'sll' | 'sll2' | 'null' | 'loop' | 'raw' | 'vlan'): Buffer {
  const etherType = etherTypeOf(ip);
  switch (link) {
    case 'sll': {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(0, 0); // to us
      h.writeUInt16BE(772, 2); // ARPHRD_LOOPBACK
      h.writeUInt16BE(6, 4);
      h.writeUInt16BE(etherType, 14);
      return Buffer.concat([h, ip]);
    }
    case 'sll2': {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(etherType, 0);
      h.writeUInt32BE(1, 4); // ifindex
      h.writeUInt16BE(772, 8);
      h[10] = 0;
      h[11] = 6;
      return Buffer.concat([h, ip]);
    }
    case 'null': {
      const h = Buffer.alloc(4);
      h.writeUInt32LE(etherType === ETHERTYPE_IPV6 ? 30 : 2); // host order, macOS AF_INET6
      return Buffer.concat([h, ip]);
    }
    case 'loop': {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(etherType === ETHERTYPE_IPV6 ? 24 : 2);
      return Buffer.concat([h, ip]);
    }
    case 'raw':
      return ip;
    case 'vlan': {
      // 802.1ad outer tag, 802.1Q inner tag
      const h = Buffer.alloc(22);
      h.fill(0x02, 0, 12);
      h.writeUInt16BE(0x88a8, 12);
      h.writeUInt16BE(100, 14);
      h.writeUInt16BE(0x8100, 16);
      h.writeUInt16BE(200, 18);
      h.writeUInt16BE(etherType, 20);
      return Buffer.concat([h, ip]);
    }
  }
}

export const LINK_TYPE_OF = { sll: 113, sll2: 276, null: 0, loop: 108, raw: 101, vlan: 1 } as const;
