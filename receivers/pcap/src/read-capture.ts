// The reader API: a capture (file path, bytes, or a stream of chunks) in, packets or socket
// events out. Pure: no child processes, no native code, nothing but node:fs for paths.

import { createReadStream, readFileSync } from 'node:fs';
import type { SocketEvent } from '@flowtel/pdata';
import { CaptureParser } from './capture-format.ts';
import { PacketDecoder, type DecodeStats, type DecodedPacket } from './packet-decoder.ts';
import { SocketEventAssembler, type SocketEventOptions, type SocketEventStats } from './socket-events.ts';

export type CaptureSource = string | Uint8Array | AsyncIterable<Uint8Array>;

export interface CaptureStats extends DecodeStats, SocketEventStats {}

/**
 * Incremental: push capture bytes as they arrive, socket events come out through `onEvent`.
 * `end()` delivers what still waits out of order and throws if the capture was cut short.
 */
export class CaptureReader {
  private readonly parser = new CaptureParser();
  private readonly decoder = new PacketDecoder();
  private readonly assembler: SocketEventAssembler;

  constructor(onEvent: (event: SocketEvent) => void, options: SocketEventOptions = {}) {
    this.assembler = new SocketEventAssembler(onEvent, options);
  }

  get stats(): CaptureStats {
    return { ...this.decoder.stats, ...this.assembler.stats };
  }

  push(chunk: Uint8Array): void {
    for (const frame of this.parser.push(chunk)) {
      const packet = this.decoder.decode(frame);
      if (packet) this.assembler.push(packet);
    }
  }

  end(): void {
    this.assembler.finish();
    this.parser.end();
  }
}

/** Every packet of a capture held in memory, decoded down to TCP/UDP. */
export function decodePackets(bytes: Uint8Array): DecodedPacket[] {
  const parser = new CaptureParser();
  const decoder = new PacketDecoder();
  const packets: DecodedPacket[] = [];
  for (const frame of parser.push(bytes)) {
    const packet = decoder.decode(frame);
    if (packet) packets.push(packet);
  }
  parser.end();
  return packets;
}

/** Every TCP/UDP packet of a capture file, in capture order. */
export function readPacketsFile(path: string): DecodedPacket[] {
  return decodePackets(readFileSync(path));
}

/** The socket events of a capture held in memory. */
export function decodeCapture(bytes: Uint8Array, options?: SocketEventOptions): SocketEvent[] {
  const events: SocketEvent[] = [];
  const reader = new CaptureReader((e) => events.push(e), options);
  reader.push(bytes);
  reader.end();
  return events;
}

/** The socket events of a capture file, read at once. */
export function readCaptureFile(path: string, options?: SocketEventOptions): SocketEvent[] {
  return decodeCapture(readFileSync(path), options);
}

function chunksOf(source: CaptureSource): AsyncIterable<Uint8Array> {
  if (typeof source === 'string') return createReadStream(source, { highWaterMark: 1024 * 1024 });
  if (source instanceof Uint8Array) {
    return (async function* () {
      yield source;
    })();
  }
  return source;
}

/** The socket events of a capture, streamed: for files larger than memory and for live pcapng. */
export async function* readCapture(source: CaptureSource, options?: SocketEventOptions): AsyncGenerator<SocketEvent> {
  let ready: SocketEvent[] = [];
  const reader = new CaptureReader((e) => ready.push(e), options);
  for await (const chunk of chunksOf(source)) {
    reader.push(chunk);
    const out = ready;
    ready = [];
    yield* out;
  }
  reader.end();
  yield* ready;
}
