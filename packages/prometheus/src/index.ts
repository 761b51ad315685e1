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
export { formatFloat } from './format.ts';
export {
  anyValueToString,
  hashLabels,
  sameLabels,
  SERVICE_INSTANCE_ID,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  serviceIdentity,
  type ServiceIdentity,
} from './labels.ts';
export {
  configLabels,
  LabelNamer,
  MetricNamer,
  type NamedKind,
  shouldEscape,
  TRANSLATION_STRATEGIES,
  translationStrategy,
  type TranslationStrategy,
} from './naming.ts';
export {
  type BucketSpan,
  type Exemplar,
  type Label,
  type MetricMetadata,
  type NativeHistogram,
  ResetHint,
  type Sample,
  STALE_NAN_BITS,
  type TimeSeries,
} from './series.ts';
export { type TranslateSettings, type Translation, Translator } from './translate.ts';
