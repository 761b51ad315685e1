export {
  BinaryReader,
  CompactReader,
  type FieldHeader,
  type ListHeader,
  MAX_DEPTH,
  type MessageHeader,
  MessageType,
  ThriftReader,
  TType,
} from './reader.ts';
