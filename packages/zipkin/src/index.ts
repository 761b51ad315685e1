export { tracesToZipkin } from './from-traces.ts';
export { decodeSpansJson, encodeSpansJson, ZipkinFormatError } from './json.ts';
export {
  EMPTY_ID,
  fromHex,
  toHex,
  type ZipkinAnnotation,
  type ZipkinEndpoint,
  type ZipkinKind,
  type ZipkinSpan,
} from './model.ts';
export { decodeSpansProto, encodeSpansProto } from './proto.ts';
export { NO_SERVICE_NAME, START_TIME_ABSENT, zipkinToTraces } from './to-traces.ts';
