// Memory that successive encodes write into. An encoder given one writes its message into the
// memory and, when the message does not fit, leaves a larger memory behind for the next. A
// caller that is done with each message's bytes before it encodes the next (the file exporter
// writes every record out at once) then allocates nothing per message. A fresh buffer of
// megabytes per batch costs page faults, and V8 counts its size as external memory, which
// brings the next full garbage collection forward.

/** Memory reused by successive encodes: what one encode returns is valid until the next. */
export class EncodeBuffer {
  /** the memory; an encoder replaces it with a larger one when a message does not fit */
  bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
}
