// Export{Trace,Metrics,Logs}ServiceResponse: the three responses are the same on the wire.
import type { ExportResponse, PartialSuccess } from '../model.ts';
import { ProtoReader } from './reader.ts';
import { ProtoWriter } from './writer.ts';

// Field numbers by message (the export services' responses), and the wire types of their tags:
// named here, inlined as numbers when compiled (a const enum used in its own file).
// prettier-ignore
const enum Wire { VARINT = 0, LEN = 2 }
/** Export{Trace,Metrics,Logs}ServiceResponse */
// prettier-ignore
const enum ResponseField { partialSuccess = 1 }
/** Export*PartialSuccess; rejected_<items> (rejected here) is an int64 */
// prettier-ignore
const enum PartialSuccessField { rejected = 1, errorMessage = 2 }

export function decodeExportResponse(bytes: Uint8Array): ExportResponse {
  const r = new ProtoReader(bytes);
  const response: ExportResponse = {};
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === ((ResponseField.partialSuccess << 3) | Wire.LEN))
      response.partialSuccess = decodePartialSuccess(r, r.len(), response.partialSuccess);
    else r.skip(tag);
  }
  return response;
}

// a second partial_success merges into the first (scalars last-wins), as protobuf says
function decodePartialSuccess(
  r: ProtoReader,
  end: number,
  into: PartialSuccess = { rejected: 0n, errorMessage: '' },
): PartialSuccess {
  let { rejected, errorMessage } = into;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((PartialSuccessField.rejected << 3) | Wire.VARINT)) rejected = r.int64();
    else if (tag === ((PartialSuccessField.errorMessage << 3) | Wire.LEN)) errorMessage = r.string();
    else r.skip(tag);
  }
  r.expectEnd(end, 'partial_success');
  return { rejected, errorMessage };
}

export function encodeExportResponse(response: ExportResponse): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter(64);
  const partial = response.partialSuccess;
  if (partial) {
    const end = w.written;
    w.stringField(PartialSuccessField.errorMessage, partial.errorMessage);
    if (partial.rejected !== 0n) {
      w.int64(partial.rejected);
      w.tag(PartialSuccessField.rejected, Wire.VARINT);
    }
    w.closeMessage(ResponseField.partialSuccess, end);
  }
  return w.finish();
}
