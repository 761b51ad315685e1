export { readAttributes, ValueType } from './attributes.ts';
export { decodeCbor, encodeCbor } from './cbor.ts';
export {
  type ArrowPayload,
  type BatchArrowRecords,
  type BatchStatus,
  BatchStatusCode,
  decodeBatchArrowRecords,
  decodeBatchStatus,
  encodeBatchArrowRecords,
  encodeBatchStatus,
  PAYLOAD_TYPE_NAMES,
  PayloadType,
} from './proto.ts';
export {
  installIpcZstd,
  OtapConsumer,
  OtapDecodeError,
  OtapProducer,
  schemaId,
  toRecordBatch,
  TRACES_PAYLOADS,
} from './stream.ts';
export { MAX_SPANS_PER_BATCH, type OtapTables, tablesToTraces, tracesToTables } from './traces.ts';
