export {
  type Exposition,
  type ExpositionExemplar,
  type ExpositionFormat,
  ExpositionParseError,
  type FamilyMetadata,
  formatOf,
  type MetricType,
  parseExposition,
  parseFloatToken,
  type ParsedSeries,
  parseSeries,
} from './parse/exposition.ts';
