// A plugin is any module exporting `factories`: load it with `flowtel --plugin <package|path>`.
import { counterFactory } from './counter.ts';
import { stampFactory } from './stamp.ts';

export const factories = [counterFactory, stampFactory];
