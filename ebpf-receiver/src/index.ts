export { factory } from './factory.ts';
export { configSchema, type EbpfConfig } from './config.ts';
export { EbpfReceiver, type EbpfStats } from './ebpf.ts';
export { CaptureUnavailableError } from './native.ts';
