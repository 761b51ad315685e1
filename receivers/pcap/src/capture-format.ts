// The capture container: classic pcap (either byte order, micro- or nanosecond timestamps, and
// the "modified" Kuznetzov variant) and pcapng (sections, interfaces with their own link type
// and timestamp resolution, enhanced/simple/obsolete packet blocks). Parsing is incremental so
// the same code reads a file and the endless pcapng stream of a live capture: push chunks as
// they come, get back every frame that is complete.

export class CaptureFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}

/** One captured link-layer frame. `data` is a view: valid for as long as the caller keeps it. */
export interface CaptureFrame {
  /** 1-based position in the capture, like tshark's frame.number */
  index: number;
  linkType: number;
  timestampNs: bigint;
  data: Uint8Array;
  /** the frame's length on the wire; more than data.length when the snap length cut it */
  originalLength: number;
  interfaceId: number;
}

// Far above any real frame (jumbo frames, USB, 256 KiB snaplen) but small enough that a
// corrupt length is caught before it makes the reader wait for, or allocate, gigabytes.
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const PCAP_MICRO = 0xa1b2c3d4;
const PCAP_NANO = 0xa1b23c4d;
const PCAP_MODIFIED = 0xa1b2cd34;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

const BLOCK_IDB = 1;
const BLOCK_OBSOLETE_PACKET = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;

const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface PcapngInterface {
  linkType: number;
  snapLength: number;
  /** timestamp units per second */
  unitsPerSecond: bigint;
  offsetSeconds: bigint;
}

type State =
  | { format: 'unknown' }
  | { format: 'pcap'; littleEndian: boolean; nanos: boolean; recordHeader: number; linkType: number }
  | { format: 'pcapng'; littleEndian: boolean; interfaces: PcapngInterface[] };

export class CaptureParser {
  private buffer: Uint8Array = new Uint8Array(0);
  /** bytes of `buffer` already parsed */
  private position = 0;
  /** absolute offset of buffer[0] in the capture, for error messages */
  private bufferOffset = 0;
  private state: State = { format: 'unknown' };
  private frameCount = 0;
  private lastTimestampNs = 0n;
  private failure: CaptureFormatError | undefined;

  get format(): 'unknown' | 'pcap' | 'pcapng' {
    return this.state.format;
  }

  /**
   * Feeds bytes; returns the frames they completed. Corrupt input throws CaptureFormatError, but
   * only on the next call, so that the frames before the damage are returned first.
   */
  push(chunk: Uint8Array): CaptureFrame[] {
    if (this.failure) throw this.failure;
    this.append(chunk);
    const frames: CaptureFrame[] = [];
    try {
      for (;;) {
        const consumed = this.step(frames);
        if (consumed === 0) break;
        this.position += consumed;
      }
    } catch (err) {
      if (!(err instanceof CaptureFormatError) || frames.length === 0) throw err;
      this.failure = err;
    }
    return frames;
  }

  /** Declares the end of input; throws when it cut a header or a record short. */
  end(): void {
    if (this.failure) throw this.failure;
    const left = this.buffer.length - this.position;
    if (this.state.format === 'unknown') {
      throw new CaptureFormatError(
        left === 0 ? 'empty capture' : `capture too short (${left} bytes) to hold a pcap or pcapng header`,
      );
    }
    if (left > 0) {
      throw new CaptureFormatError(
        `capture truncated: ${left} bytes of an incomplete ${this.state.format === 'pcap' ? 'record' : 'block'} at offset ${this.bufferOffset + this.position} (after frame ${this.frameCount})`,
      );
    }
  }

  private append(input: Uint8Array): void {
    // a plain view: Buffer's subarray goes through its species constructor, several times slower
    const chunk = new Uint8Array(input.buffer, input.byteOffset, input.length);
    const left = this.buffer.length - this.position;
    // Never write into a buffer that handed out frame views: a new one keeps those views intact.
    if (left === 0) {
      this.bufferOffset += this.buffer.length;
      this.buffer = chunk;
    } else {
      const joined = new Uint8Array(left + chunk.length);
      joined.set(this.buffer.subarray(this.position));
      joined.set(chunk, left);
      this.bufferOffset += this.position;
      this.buffer = joined;
    }
    this.position = 0;
  }

  private view(length: number): DataView | undefined {
    if (this.buffer.length - this.position < length) return undefined;
    return new DataView(this.buffer.buffer, this.buffer.byteOffset + this.position, length);
  }

  private fail(message: string): never {
    throw new CaptureFormatError(`${message} at offset ${this.bufferOffset + this.position}`);
  }

  /** Parses one header, record or block at `position`; returns its size, or 0 when more bytes are needed. */
  private step(frames: CaptureFrame[]): number {
    switch (this.state.format) {
      case 'unknown':
        return this.readFileHeader();
      case 'pcap':
        return this.readPcapRecord(frames);
      case 'pcapng':
        return this.readPcapngBlock(frames);
    }
  }

  private readFileHeader(): number {
    const head = this.view(4);
    if (!head) return 0;
    const le = head.getUint32(0, true);
    const be = head.getUint32(0, false);
    if (be === PCAPNG_SHB) return this.readPcapngBlock([]);
    for (const [magic, littleEndian] of [
      [le, true],
      [be, false],
    ] as const) {
      if (magic === PCAP_MICRO || magic === PCAP_NANO || magic === PCAP_MODIFIED) {
        const header = this.view(24);
        if (!header) return 0;
        // some writers store the version in the wrong byte order; like Wireshark, accept any >= 2
        const major = header.getUint16(4, littleEndian);
        if (major < 2) this.fail(`unsupported pcap version ${major}.${header.getUint16(6, littleEndian)}`);
        this.state = {
          format: 'pcap',
          littleEndian,
          nanos: magic === PCAP_NANO,
          recordHeader: magic === PCAP_MODIFIED ? 24 : 16,
          // the upper bits carry FCS information, not the link type
          linkType: header.getUint32(20, littleEndian) & 0xffff,
        };
        return 24;
      }
    }
    return this.fail(`not a pcap or pcapng capture (magic 0x${be.toString(16).padStart(8, '0')})`);
  }

  private readPcapRecord(frames: CaptureFrame[]): number {
    if (this.state.format !== 'pcap') return 0;
    const { littleEndian, nanos, recordHeader, linkType } = this.state;
    const header = this.view(recordHeader);
    if (!header) return 0;
    const seconds = header.getUint32(0, littleEndian);
    const fraction = header.getUint32(4, littleEndian);
    const captured = header.getUint32(8, littleEndian);
    const original = header.getUint32(12, littleEndian);
    if (captured > MAX_RECORD_BYTES)
      this.fail(`pcap record claims ${captured} captured bytes (limit ${MAX_RECORD_BYTES}): corrupt capture`);
    if (nanos ? fraction >= 1e9 : fraction >= 1e6)
      this.fail(`pcap record has an invalid timestamp fraction ${fraction}: corrupt capture`);
    const total = recordHeader + captured;
    if (this.buffer.length - this.position < total) return 0;
    const start = this.position + recordHeader;
    frames.push({
      index: ++this.frameCount,
      linkType,
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos ? fraction : fraction * 1000),
      data: this.buffer.subarray(start, start + captured),
      originalLength: Math.max(original, captured),
      interfaceId: 0,
    });
    return total;
  }

  private readPcapngBlock(frames: CaptureFrame[]): number {
    const head = this.view(12);
    if (!head) return 0;
    let littleEndian: boolean;
    const isSectionHeader = head.getUint32(0, false) === PCAPNG_SHB;
    if (isSectionHeader) {
      // A section header sets the byte order of everything up to the next one.
      const bom = head.getUint32(8, true);
      if (bom === PCAPNG_BOM) littleEndian = true;
      else if (head.getUint32(8, false) === PCAPNG_BOM) littleEndian = false;
      else return this.fail('pcapng section header with an invalid byte-order magic');
    } else if (this.state.format === 'pcapng') {
      littleEndian = this.state.littleEndian;
    } else {
      return this.fail('pcapng block before any section header');
    }
    const type = head.getUint32(0, littleEndian);
    const length = head.getUint32(4, littleEndian);
    if (length < 12 || length % 4 !== 0 || length > MAX_RECORD_BYTES) {
      this.fail(`pcapng block of type 0x${type.toString(16)} has an invalid length ${length}: corrupt capture`);
    }
    const block = this.view(length);
    if (!block) return 0;
    if (block.getUint32(length - 4, littleEndian) !== length) {
      this.fail(
        `pcapng block of type 0x${type.toString(16)}: trailing length differs from leading length ${length}: corrupt capture`,
      );
    }
    if (isSectionHeader) {
      if (length < 28) this.fail(`pcapng section header too short (${length} bytes)`);
      const major = block.getUint16(12, littleEndian);
      if (major !== 1) this.fail(`unsupported pcapng version ${major}`);
      this.state = { format: 'pcapng', littleEndian, interfaces: [] };
      return length;
    }
    const interfaces = (this.state as Extract<State, { format: 'pcapng' }>).interfaces;
    switch (type) {
      case BLOCK_IDB:
        interfaces.push(this.readInterface(block, length, littleEndian));
        break;
      case BLOCK_EPB:
      case BLOCK_OBSOLETE_PACKET:
        frames.push(this.readTimestampedPacket(block, length, littleEndian, type, interfaces));
        break;
      case BLOCK_SPB:
        frames.push(this.readSimplePacket(block, length, littleEndian, interfaces));
        break;
      default:
        // name resolution, statistics, decryption secrets, custom blocks: nothing for us
        break;
    }
    return length;
  }

  private readInterface(block: DataView, length: number, littleEndian: boolean): PcapngInterface {
    if (length < 20) this.fail(`pcapng interface description block too short (${length} bytes)`);
    const iface: PcapngInterface = {
      linkType: block.getUint16(8, littleEndian),
      snapLength: block.getUint32(12, littleEndian),
      unitsPerSecond: 1_000_000n,
      offsetSeconds: 0n,
    };
    let at = 16;
    while (at + 4 <= length - 4) {
      const code = block.getUint16(at, littleEndian);
      const size = block.getUint16(at + 2, littleEndian);
      if (code === OPT_END) break;
      if (at + 4 + size > length - 4) this.fail('pcapng interface option runs past its block');
      if (code === OPT_IF_TSRESOL && size >= 1) {
        const resolution = block.getUint8(at + 4);
        const exponent = BigInt(resolution & 0x7f);
        if ((resolution & 0x80) !== 0 ? exponent > 63n : exponent > 18n) {
          this.fail(`pcapng interface timestamp resolution ${resolution} is out of range`);
        }
        iface.unitsPerSecond = (resolution & 0x80) !== 0 ? 1n << exponent : 10n ** exponent;
      } else if (code === OPT_IF_TSOFFSET && size >= 8) {
        iface.offsetSeconds = block.getBigInt64(at + 4, littleEndian);
      }
      at += 4 + Math.ceil(size / 4) * 4;
    }
    return iface;
  }

  private interfaceOf(interfaces: PcapngInterface[], id: number): PcapngInterface {
    const iface = interfaces[id];
    if (!iface) this.fail(`pcapng packet on interface ${id}, which no interface description block declared`);
    return iface;
  }

  private readTimestampedPacket(
    block: DataView,
    length: number,
    littleEndian: boolean,
    type: number,
    interfaces: PcapngInterface[],
  ): CaptureFrame {
    if (length < 32) this.fail(`pcapng packet block too short (${length} bytes)`);
    const interfaceId = type === BLOCK_EPB ? block.getUint32(8, littleEndian) : block.getUint16(8, littleEndian);
    const iface = this.interfaceOf(interfaces, interfaceId);
    const units = (BigInt(block.getUint32(12, littleEndian)) << 32n) | BigInt(block.getUint32(16, littleEndian));
    const captured = block.getUint32(20, littleEndian);
    const original = block.getUint32(24, littleEndian);
    if (28 + captured > length - 4)
      this.fail(`pcapng packet block claims ${captured} captured bytes but holds ${length - 32}: corrupt capture`);
    const timestampNs = iface.offsetSeconds * 1_000_000_000n + (units * 1_000_000_000n) / iface.unitsPerSecond;
    this.lastTimestampNs = timestampNs;
    const start = this.position + 28;
    return {
      index: ++this.frameCount,
      linkType: iface.linkType,
      timestampNs,
      data: this.buffer.subarray(start, start + captured),
      originalLength: Math.max(original, captured),
      interfaceId,
    };
  }

  private readSimplePacket(
    block: DataView,
    length: number,
    littleEndian: boolean,
    interfaces: PcapngInterface[],
  ): CaptureFrame {
    if (length < 16) this.fail(`pcapng simple packet block too short (${length} bytes)`);
    const iface = this.interfaceOf(interfaces, 0);
    const original = block.getUint32(8, littleEndian);
    let captured = Math.min(original, length - 16);
    if (iface.snapLength > 0) captured = Math.min(captured, iface.snapLength);
    const start = this.position + 12;
    return {
      index: ++this.frameCount,
      linkType: iface.linkType,
      // simple packet blocks carry no timestamp: the previous packet's is the best estimate
      timestampNs: this.lastTimestampNs,
      data: this.buffer.subarray(start, start + captured),
      originalLength: original,
      interfaceId: 0,
    };
  }
}
