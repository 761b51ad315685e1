// Export{Trace,Metrics,Logs}ServiceResponse: partial_success 1 { rejected_<items> 1 (int64),
// error_message 2 }. The three responses are the same on the wire.
import type { ExportResponse, PartialSuccess } from '../model.ts';
import { ProtoReader } from './reader.ts';
import { ProtoWriter } from './writer.ts';

export function decodeExportResponse(bytes: Uint8Array): ExportResponse {
  const r = new ProtoReader(bytes);
  const response: ExportResponse = {};
  while (r.pos < bytes.length) {
    const tag = r.uint32();
    if (tag === 10) response.partialSuccess = decodePartialSuccess(r, r.len(), response.partialSuccess);
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
    if (tag === 8) rejected = r.int64();
    else if (tag === 18) errorMessage = r.string();
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
    w.stringField(2, partial.errorMessage);
    if (partial.rejected !== 0n) {
      w.int64(partial.rejected);
      w.tag(1, 0);
    }
    w.closeMessage(1, end);
  }
  return w.finish();
}
