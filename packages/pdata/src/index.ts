export * from './model.ts';
export * from './count.ts';
export * from './create.ts';
export { sharedAttr } from './shared-attributes.ts';
export * from './socket.ts';
export * from './decode-error.ts';
export * from './proto/index.ts';
export * from './json/index.ts';
