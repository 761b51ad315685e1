export * from './model.ts';
export * from './count.ts';
export * from './create.ts';
export { NO_EVENTS, NO_LINKS, STATUS_UNSET, sharedAttr } from './shared.ts';
export * from './socket.ts';
export * from './decode-error.ts';
export { EncodeBuffer } from './encode-buffer.ts';
export * from './proto/index.ts';
export * from './json/index.ts';
