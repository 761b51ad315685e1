// Where the IP packet starts inside a captured frame, for the link types that carry IP traffic
// on the machines flowtel runs on: Ethernet (with 802.1Q/802.1ad VLAN tags), Linux cooked
// capture v1 and v2 (`any` interface), raw IP, and BSD loopback.

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OPENBSD: 12,
  RAW_BSDOS: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
// not an EtherType: raw and loopback frames say v4 or v6 only in the IP version nibble
const ETHERTYPE_FROM_VERSION = -1;

export interface IpLocation {
  /** offset of the IP header in the frame */
  offset: number;
}

function ipAt(frame: Uint8Array, offset: number, etherType: number): IpLocation | undefined {
  if (offset >= frame.length) return undefined;
  if (etherType === ETHERTYPE_IPV4 || etherType === ETHERTYPE_IPV6) return { offset };
  if (etherType === ETHERTYPE_FROM_VERSION) {
    const version = frame[offset] >> 4;
    return version === 4 || version === 6 ? { offset } : undefined;
  }
  return undefined;
}

function ethernet(frame: Uint8Array, view: DataView): IpLocation | undefined {
  let at = 12;
  if (frame.length < at + 2) return undefined;
  let etherType = view.getUint16(at);
  // stacked tags (QinQ) are legal; eight is more than any real network nests
  for (let tags = 0; VLAN_TAGS.has(etherType) && tags < 8; tags++) {
    at += 4;
    if (frame.length < at + 2) return undefined;
    etherType = view.getUint16(at);
  }
  return ipAt(frame, at + 2, etherType);
}

/** Loopback (DLT_NULL in host order, DLT_LOOP in network order): a 4-byte address family. */
function loopback(frame: Uint8Array): IpLocation | undefined {
  // The family values differ between systems (AF_INET6 is 10, 24, 28 or 30), the IP version does not.
  return frame.length > 4 ? ipAt(frame, 4, ETHERTYPE_FROM_VERSION) : undefined;
}

export function locateIp(linkType: number, frame: Uint8Array): IpLocation | undefined {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(frame, view);
    case LinkType.LINUX_SLL:
      return frame.length >= 16 ? ipAt(frame, 16, view.getUint16(14)) : undefined;
    case LinkType.LINUX_SLL2:
      return frame.length >= 20 ? ipAt(frame, 20, view.getUint16(0)) : undefined;
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.RAW_BSDOS:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return ipAt(frame, 0, ETHERTYPE_FROM_VERSION);
    case LinkType.NULL:
    case LinkType.LOOP:
      return loopback(frame);
    default:
      return undefined;
  }
}

export function isSupportedLinkType(linkType: number): boolean {
  return (Object.values(LinkType) as number[]).includes(linkType);
}
