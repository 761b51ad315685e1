/**
 * Bad input to a codec: bytes that are not a valid OTLP message, or JSON that is not valid
 * OTLP/JSON. `offset` is the byte position in a protobuf input where the problem was found
 * (undefined for JSON, whose messages name the field path instead).
 */
export class DecodeError extends Error {
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'DecodeError';
    this.offset = offset;
  }
}
