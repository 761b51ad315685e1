export { CaptureFormatError, CaptureParser, type CaptureFrame } from './capture-format.ts';
export { LinkType } from './link-layer.ts';
export { PacketDecoder, TcpFlags, type DecodeStats, type DecodedPacket } from './packet-decoder.ts';
export { TcpStream, type StreamChunk } from './tcp-stream.ts';
export {
  SocketEventAssembler,
  type Perspective,
  type RoleRule,
  type SocketEventOptions,
  type SocketEventStats,
} from './socket-events.ts';
export {
  CaptureReader,
  decodeCapture,
  decodePackets,
  readCapture,
  readCaptureFile,
  readPacketsFile,
  type CaptureSource,
  type CaptureStats,
} from './read-capture.ts';
export { factory } from './factory.ts';
export { pcapReceiverConfigSchema, type PcapReceiverConfig } from './config.ts';
export { PcapReceiver, type PcapReceiverOptions, type ReplaySummary, type ShutdownRequester } from './pcap.ts';
