export { factory } from './factory.ts';
export { FileQueue } from './file_queue.ts';
