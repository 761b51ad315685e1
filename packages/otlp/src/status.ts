// How refusals travel: a receiver turns a ConsumerError into a gRPC status or an HTTP status
// (otelcol's otlpreceiver/internal/errors), an exporter turns the status its backend answered
// into a ConsumerError (otelcol's otlpexporter and otlphttpexporter retry rules).
import { status as GrpcCode } from '@grpc/grpc-js';
import { ConsumerError, asConsumerError } from '@flowtel/core';
import type { RpcStatus } from './rpc-status.ts';

export { GrpcCode };

/**
 * A refusal that already has an OTLP status, e.g. what a backend answered. Kept as the
 * `cause` of a ConsumerError so that a receiver in front can pass the code on unchanged.
 */
export class OtlpStatusError extends Error {
  readonly status: RpcStatus;
  constructor(status: RpcStatus, message = status.message) {
    super(message);
    this.name = 'OtlpStatusError';
    this.status = status;
  }
}

function statusInChain(err: unknown): RpcStatus | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof OtlpStatusError) return e.status;
  }
  return undefined;
}

/**
 * The status a receiver answers for a refusal: a carried status as is; otherwise retryable
 * means UNAVAILABLE and permanent means INTERNAL (the data was fine, the server failed it).
 */
export function refusalStatus(err: unknown): RpcStatus {
  const ce: ConsumerError = asConsumerError(err);
  const carried = statusInChain(ce);
  const retryDelayMs = ce.retryAfterMs ?? carried?.retryDelayMs;
  if (carried) return { code: carried.code, message: ce.message, retryDelayMs };
  return { code: ce.retryable ? GrpcCode.UNAVAILABLE : GrpcCode.INTERNAL, message: ce.message, retryDelayMs };
}

/** The codes OTLP calls retryable; RESOURCE_EXHAUSTED is retryable only with RetryInfo. */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  GrpcCode.CANCELLED,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.ABORTED,
  GrpcCode.OUT_OF_RANGE,
  GrpcCode.UNAVAILABLE,
  GrpcCode.DATA_LOSS,
]);

/** otelcol's GetHTTPStatusCodeFromStatus. */
export function httpStatusFromGrpc(code: number): number {
  if (RETRYABLE_CODES.has(code)) return 503;
  switch (code) {
    case GrpcCode.OK:
      return 200;
    case GrpcCode.RESOURCE_EXHAUSTED:
      return 429;
    case GrpcCode.INVALID_ARGUMENT:
      return 400;
    case GrpcCode.UNAUTHENTICATED:
      return 401;
    case GrpcCode.PERMISSION_DENIED:
      return 403;
    case GrpcCode.UNIMPLEMENTED:
      return 404;
    default:
      return 500;
  }
}

/** The gRPC code an HTTP error status stands for, for passing a backend's answer on. */
export function grpcFromHttpStatus(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GrpcCode.INVALID_ARGUMENT;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 403:
      return GrpcCode.PERMISSION_DENIED;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}

/** otelcol's otlpexporter shouldRetry: RESOURCE_EXHAUSTED only when the server says when. */
export function grpcRefusal(status: RpcStatus): ConsumerError {
  const retry =
    RETRYABLE_CODES.has(status.code) ||
    (status.code === GrpcCode.RESOURCE_EXHAUSTED && status.retryDelayMs !== undefined);
  const name = GrpcCode[status.code] ?? String(status.code);
  return new ConsumerError(`rpc error: code = ${name} desc = ${status.message}`, retry, {
    cause: new OtlpStatusError(status),
    retryAfterMs: status.retryDelayMs,
  });
}

/** otelcol's otlphttpexporter: 429, 502, 503 and 504 are retried, everything else is not. */
export function httpRefusal(httpStatus: number, status: RpcStatus, retryAfterMs: number | undefined): ConsumerError {
  const retry = httpStatus === 429 || httpStatus === 502 || httpStatus === 503 || httpStatus === 504;
  const delay = retryAfterMs ?? status.retryDelayMs;
  const detail = status.message ? `, Message=${status.message}` : '';
  return new ConsumerError(`error exporting items, request failed with HTTP ${httpStatus}${detail}`, retry, {
    cause: new OtlpStatusError({ ...status, code: status.code || grpcFromHttpStatus(httpStatus), retryDelayMs: delay }),
    retryAfterMs: delay,
  });
}

/** A Retry-After header: delay-seconds or an HTTP-date. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
