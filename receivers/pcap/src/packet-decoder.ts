// From a captured frame to a TCP segment or UDP datagram: link layer, IPv4 or IPv6 (extension
// headers walked, fragments reassembled, IP-in-IP unwrapped), then the transport header.
// Frames that carry anything else are counted and skipped, never thrown on.

import type { CaptureFrame } from './capture-format.ts';
import { ipv4Text, ipv6Text } from '@flowtel/socket-source';
import { IpDefragmenter } from './ip-defrag.ts';
import { isSupportedLinkType, locateIp } from './link-layer.ts';

export const TcpFlags = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

export interface DecodedPacket {
  /** the frame's 1-based number in the capture (tshark's frame.number) */
  frameIndex: number;
  timestampNs: bigint;
  ipVersion: 4 | 6;
  /** 6 (TCP) or 17 (UDP) */
  protocol: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  /** TCP only (0 for UDP) */
  seq: number;
  ack: number;
  flags: number;
  /** the transport payload as captured: shorter than payloadLength when the snap length cut it */
  payload: Uint8Array;
  /** the payload's length according to the headers */
  payloadLength: number;
}

export interface DecodeStats {
  frames: number;
  packets: number;
  /** frames of a link type this reader does not know */
  unsupportedLinkType: number;
  /** ARP, LLDP, ... */
  notIp: number;
  /** ICMP, SCTP, ESP, ... */
  notTcpOrUdp: number;
  /** headers cut by the snap length or inconsistent */
  malformed: number;
  fragments: number;
  reassembled: number;
  fragmentsDropped: number;
}

const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_IPIP = 4;
const PROTO_IPV6_IN_IP = 41;
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AUTH = 51;
const IPV6_DEST_OPTS = 60;
// IP-in-IP inside IP-in-IP is legal; deeper nesting is an attack, not a network
const MAX_TUNNEL_DEPTH = 4;

const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const u32 = (b: Uint8Array, at: number): number =>
  ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

interface IpPayload {
  ipVersion: 4 | 6;
  protocol: number;
  srcAddr: string;
  dstAddr: string;
  /** the transport segment as captured */
  bytes: Uint8Array;
  /** the transport segment's length according to the IP header */
  length: number;
}

export class PacketDecoder {
  readonly stats: DecodeStats = {
    frames: 0,
    packets: 0,
    unsupportedLinkType: 0,
    notIp: 0,
    notTcpOrUdp: 0,
    malformed: 0,
    fragments: 0,
    reassembled: 0,
    fragmentsDropped: 0,
  };
  private readonly defragmenter = new IpDefragmenter();

  decode(frame: CaptureFrame): DecodedPacket | undefined {
    this.stats.frames++;
    const location = locateIp(frame.linkType, frame.data);
    if (!location) {
      if (isSupportedLinkType(frame.linkType)) this.stats.notIp++;
      else this.stats.unsupportedLinkType++;
      return undefined;
    }
    const ip = this.decodeIp(frame.data.subarray(location.offset), frame.timestampNs, 0);
    this.stats.reassembled = this.defragmenter.stats.reassembled;
    this.stats.fragmentsDropped = this.defragmenter.stats.dropped;
    if (!ip) return undefined;
    const packet = this.decodeTransport(ip, frame);
    if (packet) this.stats.packets++;
    return packet;
  }

  private decodeIp(bytes: Uint8Array, timestampNs: bigint, depth: number): IpPayload | undefined {
    if (bytes.length < 1) return this.malformed();
    const version = bytes[0] >> 4;
    const ip =
      version === 4
        ? this.decodeIpv4(bytes, timestampNs)
        : version === 6
          ? this.decodeIpv6(bytes, timestampNs)
          : this.malformed();
    if (ip && (ip.protocol === PROTO_IPIP || ip.protocol === PROTO_IPV6_IN_IP) && depth < MAX_TUNNEL_DEPTH) {
      return this.decodeIp(ip.bytes, timestampNs, depth + 1);
    }
    return ip;
  }

  private decodeIpv4(bytes: Uint8Array, timestampNs: bigint): IpPayload | undefined {
    if (bytes.length < 20) return this.malformed();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const headerLength = (bytes[0] & 0x0f) * 4;
    // 0 happens for segmentation-offloaded packets captured before the NIC splits them
    const totalLength = view.getUint16(2) || bytes.length;
    if (headerLength < 20 || totalLength < headerLength || bytes.length < headerLength) return this.malformed();
    const protocol = bytes[9];
    const srcAddr = ipv4Text(bytes, 12);
    const dstAddr = ipv4Text(bytes, 16);
    // the frame may be shorter (snap length) or longer (Ethernet padding) than the datagram
    let payload = bytes.subarray(headerLength, Math.min(bytes.length, totalLength));
    let length = totalLength - headerLength;
    const fragmentField = view.getUint16(6);
    const moreFragments = (fragmentField & 0x2000) !== 0;
    const fragmentOffset = (fragmentField & 0x1fff) * 8;
    if (moreFragments || fragmentOffset > 0) {
      const whole = this.reassemble(
        `4|${srcAddr}|${dstAddr}|${view.getUint16(4)}|${protocol}`,
        fragmentOffset,
        moreFragments,
        payload,
        length,
        timestampNs,
      );
      if (!whole) return undefined;
      payload = whole;
      length = whole.length;
    }
    return this.transportOnly(protocol)
      ? { ipVersion: 4, protocol, srcAddr, dstAddr, bytes: payload, length }
      : undefined;
  }

  private decodeIpv6(bytes: Uint8Array, timestampNs: bigint): IpPayload | undefined {
    if (bytes.length < 40) return this.malformed();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const payloadLength = view.getUint16(4) || bytes.length - 40;
    const srcAddr = ipv6Text(bytes, 8);
    const dstAddr = ipv6Text(bytes, 24);
    const end = Math.min(bytes.length, 40 + payloadLength);
    let next = bytes[6];
    let at = 40;
    let fragment: { offset: number; more: boolean; id: number } | undefined;
    for (;;) {
      if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DEST_OPTS || next === IPV6_AUTH) {
        if (at + 2 > end) return this.malformed();
        const size = next === IPV6_AUTH ? (bytes[at + 1] + 2) * 4 : (bytes[at + 1] + 1) * 8;
        next = bytes[at];
        at += size;
      } else if (next === IPV6_FRAGMENT) {
        if (at + 8 > end) return this.malformed();
        const field = view.getUint16(at + 2);
        fragment = { offset: field & 0xfff8, more: (field & 1) !== 0, id: view.getUint32(at + 4) };
        next = bytes[at];
        at += 8;
      } else break;
    }
    if (at > end) return this.malformed();
    let payload = bytes.subarray(at, end);
    let length = 40 + payloadLength - at;
    if (fragment && (fragment.more || fragment.offset > 0)) {
      const whole = this.reassemble(
        `6|${srcAddr}|${dstAddr}|${fragment.id}`,
        fragment.offset,
        fragment.more,
        payload,
        length,
        timestampNs,
      );
      if (!whole) return undefined;
      payload = whole;
      length = whole.length;
    }
    return this.transportOnly(next)
      ? { ipVersion: 6, protocol: next, srcAddr, dstAddr, bytes: payload, length }
      : undefined;
  }

  private transportOnly(protocol: number): boolean {
    if (protocol === PROTO_TCP || protocol === PROTO_UDP || protocol === PROTO_IPIP || protocol === PROTO_IPV6_IN_IP)
      return true;
    this.stats.notTcpOrUdp++;
    return false;
  }

  private reassemble(
    key: string,
    offset: number,
    more: boolean,
    captured: Uint8Array,
    length: number,
    timestampNs: bigint,
  ): Uint8Array | undefined {
    this.stats.fragments++;
    // a fragment cut by the snap length leaves a hole no later fragment fills
    if (captured.length < length) {
      this.stats.fragmentsDropped++;
      return undefined;
    }
    return this.defragmenter.add(key, offset, more, captured, timestampNs);
  }

  private decodeTransport(ip: IpPayload, frame: CaptureFrame): DecodedPacket | undefined {
    const { bytes } = ip;
    if (ip.protocol === PROTO_TCP) {
      if (bytes.length < 20) return this.malformed();
      const headerLength = (bytes[12] >> 4) * 4;
      if (headerLength < 20 || headerLength > bytes.length || headerLength > ip.length) return this.malformed();
      return this.packet(
        ip,
        frame,
        u32(bytes, 4),
        u32(bytes, 8),
        bytes[13],
        bytes.subarray(headerLength),
        ip.length - headerLength,
      );
    }
    if (ip.protocol === PROTO_UDP) {
      if (bytes.length < 8 || ip.length < 8) return this.malformed();
      const udpLength = u16(bytes, 4);
      // 0 means "look at the IP length" (offloaded or IPv6 jumbo datagrams)
      const payloadLength = udpLength >= 8 && udpLength <= ip.length ? udpLength - 8 : ip.length - 8;
      return this.packet(ip, frame, 0, 0, 0, bytes.subarray(8, 8 + payloadLength), payloadLength);
    }
    this.stats.notTcpOrUdp++;
    return undefined;
  }

  private packet(
    ip: IpPayload,
    frame: CaptureFrame,
    seq: number,
    ack: number,
    flags: number,
    payload: Uint8Array,
    payloadLength: number,
  ): DecodedPacket {
    return {
      frameIndex: frame.index,
      timestampNs: frame.timestampNs,
      ipVersion: ip.ipVersion,
      protocol: ip.protocol,
      srcAddr: ip.srcAddr,
      srcPort: u16(ip.bytes, 0),
      dstAddr: ip.dstAddr,
      dstPort: u16(ip.bytes, 2),
      seq,
      ack,
      flags,
      payload,
      payloadLength,
    };
  }

  private malformed(): undefined {
    this.stats.malformed++;
    return undefined;
  }
}
