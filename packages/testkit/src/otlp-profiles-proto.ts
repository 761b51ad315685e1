// The official opentelemetry-proto profiles definition (the repository's
// third_party/opentelemetry-proto, copied unmodified), loaded by protobufjs: an encoder and
// decoder written by others, to check flowtel's profiles codecs and receivers.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The folder holding opentelemetry/proto/..., for protobufjs or @grpc/proto-loader's includeDirs. */
export const OTLP_PROTO_DIR = fileURLToPath(new URL('../../../third_party/opentelemetry-proto', import.meta.url));

/** The profiles service's .proto, relative to OTLP_PROTO_DIR. */
export const PROFILES_SERVICE_PROTO = 'opentelemetry/proto/collector/profiles/v1development/profiles_service.proto';

let root: protobuf.Root | undefined;

/** ExportProfilesServiceRequest and ExportProfilesServiceResponse as protobufjs types. */
export function profilesProtoTypes(): { request: protobuf.Type; response: protobuf.Type } {
  if (root === undefined) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) => `${OTLP_PROTO_DIR}/${target}`;
    root.loadSync(PROFILES_SERVICE_PROTO, { keepCase: false });
  }
  const ns = 'opentelemetry.proto.collector.profiles.v1development.';
  return {
    request: root.lookupType(`${ns}ExportProfilesServiceRequest`),
    response: root.lookupType(`${ns}ExportProfilesServiceResponse`),
  };
}
