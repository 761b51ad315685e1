// What the bounded decoders throw, so a caller (the OTLP receivers' Content-Encoding) tells a
// corrupt body from one that inflates past its limit without reading messages.

/** Thrown for bytes that are not a valid stream of the format. */
export class CorruptInput extends Error {}
/** Thrown when the stream inflates past the caller's limit. */
export class OutputTooLarge extends Error {}
