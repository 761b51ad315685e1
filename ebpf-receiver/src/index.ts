export { factory } from './factory.ts';
export { configSchema, type EbpfConfig } from './config.ts';
export { EbpfReceiver, type EbpfStats } from './ebpf.ts';
export { CaptureUnavailableError } from './native.ts';
// the `profiling` receiver (src/profiling/README.md): the profiler's kernel side, symbolizer and component
export { factory as profilingFactory } from './profiling/factory.ts';
export { configSchema as profilingConfigSchema, type ProfilingConfig } from './profiling/config.ts';
export { ProfilingReceiver } from './profiling/profiling.ts';
export { reportToProfiles } from './profiling/profiles.ts';
export { ProfilerSession, type ProfilerSessionOptions, type ProfilerStats } from './profiling/session.ts';
export type { ProfileReport, SampleKind, StackSample } from './profiling/report.ts';
export type { Frame, SymbolizerStats } from './profiling/symbols.ts';
