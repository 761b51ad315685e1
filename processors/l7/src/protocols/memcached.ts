// Memcached text protocol (classic and meta commands): a request is a command line, plus a
// data block for storage commands; a response is one line, or VALUE/STAT blocks up to END.
// Responses pair in order; "noreply" commands and quit stand alone.

import { ascii, indexOfCrlf } from '../bytes.ts';
import { MORE, gapInFrames, readFrames, releasedOnClose, type FrameStep } from '../frame-loop.ts';
import { truncated, type L7Message, type ResponseStatus } from '../message.ts';
import { failure, parseOptions, type Direction, type ParseOptions, type ProtocolParser } from '../parser.ts';
import { duplexBuffers, type DuplexBuffers } from '../stream-buffer.ts';

const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);
const COMMANDS = new Set([
  ...STORAGE,
  'get',
  'gets',
  'gat',
  'gats',
  'delete',
  'incr',
  'decr',
  'touch',
  'stats',
  'flush_all',
  'version',
  'verbosity',
  'quit',
  'mg',
  'ms',
  'md',
  'ma',
  'mn',
  'me',
  'lru_crawler',
  'slabs',
  'watch',
  'shutdown',
  'cache_memlimit',
  'misbehave',
]);
/** Lines that end a response by themselves. */
const SINGLE_LINE =
  /^(STORED|NOT_STORED|EXISTS|NOT_FOUND|DELETED|TOUCHED|OK|END|ERROR|CLIENT_ERROR|SERVER_ERROR|VERSION|BUSY|BADCLASS|NOSPARE|NOTFULL|UNSAFE|SAME|RESET|HD|NF|NS|EX|EN|MN|ME|\d+)\b/;
const MAX_LINE = 8 * 1024;

export interface MemcachedState {
  options: ParseOptions;
  buffers: DuplexBuffers;
  /**
   * A VALUE/STAT block is open: more lines belong to the same response until END. `lost`: bytes
   * of its values that a gap took (the response is then marked truncated).
   */
  block: { firstLine: string; size: number; lost: number } | undefined;
}

function statusOf(line: string): ResponseStatus {
  if (line.startsWith('SERVER_ERROR') || line.startsWith('BUSY')) return 'server_error';
  if (line.startsWith('CLIENT_ERROR') || line.startsWith('ERROR')) return 'client_error';
  return 'ok';
}

function response(firstLine: string, size: number): L7Message {
  const status = statusOf(firstLine);
  const message: L7Message = {
    protocol: 'Memcached',
    kind: 'response',
    response_status: status,
    response_result: firstLine,
    size,
    attributes: { 'db.system.name': 'memcached' },
  };
  if (status !== 'ok') message.response_exception = firstLine;
  return message;
}

function readRequest(b: Uint8Array): FrameStep {
  const eol = indexOfCrlf(b, 0, MAX_LINE);
  if (eol < 0) return b.length > MAX_LINE ? failure('memcached command line too long') : MORE;
  const line = ascii(b, 0, eol);
  const words = line.trim().split(/\s+/);
  const command = words[0];
  if (!COMMANDS.has(command.toLowerCase())) return failure(`unknown memcached command: ${command.slice(0, 32)}`);
  let skip = 0;
  if (STORAGE.has(command)) skip = Number(words[4]) + 2;
  else if (command === 'ms') skip = Number(words[2]) + 2;
  if (!Number.isFinite(skip) || skip < 0) return failure(`bad data length in: ${line.slice(0, 64)}`);
  const noReply =
    words.includes('noreply') ||
    command === 'quit' ||
    (command.length === 2 && command[0] === 'm' && words.includes('q'));
  const attributes: L7Message['attributes'] = { 'db.system.name': 'memcached', 'db.operation.name': command };
  const message: L7Message = {
    protocol: 'Memcached',
    kind: noReply ? 'session' : 'request',
    request_type: command,
    request_resource: line.trim(),
    size: eol + 2 + skip,
    attributes,
  };
  if (words[1] && command !== 'stats' && command !== 'verbosity' && command !== 'flush_all') {
    message.endpoint = `${command} ${words[1]}`;
  }
  // a data block ends the request: it is reported once the block has gone by
  return { consumed: eol + 2, skip, messages: [message], endsWithSkip: skip > 0 };
}

function readResponse(state: MemcachedState, b: Uint8Array): FrameStep {
  const eol = indexOfCrlf(b, 0, MAX_LINE);
  if (eol < 0) return b.length > MAX_LINE ? failure('memcached response line too long') : MORE;
  const line = ascii(b, 0, eol);
  const block = state.block;
  if (line.startsWith('VALUE ') || line.startsWith('VA ')) {
    const words = line.split(' ');
    const dataLength = Number(line.startsWith('VA ') ? words[1] : words[3]);
    if (!Number.isFinite(dataLength) || dataLength < 0) return failure(`bad VALUE line: ${line.slice(0, 64)}`);
    if (line.startsWith('VA '))
      return {
        consumed: eol + 2,
        skip: dataLength + 2,
        messages: [response(line, eol + 4 + dataLength)],
        endsWithSkip: true,
      };
    if (block) block.size += eol + 4 + dataLength;
    else state.block = { firstLine: line, size: eol + 4 + dataLength, lost: 0 };
    return { consumed: eol + 2, skip: dataLength + 2 };
  }
  if (line.startsWith('STAT ') || line.startsWith('ITEM ')) {
    if (block) block.size += eol + 2;
    else state.block = { firstLine: line, size: eol + 2, lost: 0 };
    return { consumed: eol + 2 };
  }
  if (line === 'END' && block) {
    state.block = undefined;
    const message = response(block.firstLine, block.size + eol + 2);
    if (block.lost > 0) truncated(message, message.size - block.lost, message.size);
    return { consumed: eol + 2, messages: [message] };
  }
  if (!SINGLE_LINE.test(line)) return failure(`not a memcached response: ${line.slice(0, 64)}`);
  return { consumed: eol + 2, messages: [response(line, eol + 2)] };
}

export const memcached: ProtocolParser<MemcachedState> = {
  name: 'Memcached',
  l4: 'tcp',
  defaultPorts: [11211],
  infer(payload, direction) {
    if (direction !== 'toServer') return false;
    const eol = indexOfCrlf(payload, 0, 512);
    if (eol < 0) return false;
    const words = ascii(payload, 0, eol).split(' ');
    const command = words[0];
    if (!COMMANDS.has(command) || (command.length < 3 && !command.startsWith('m'))) return false;
    if (STORAGE.has(command)) return words.length >= 5 && /^\d+$/.test(words[4]);
    return command === 'version' || command === 'stats' || words.length >= 2;
  },
  createState(options) {
    return { options: parseOptions(options), buffers: duplexBuffers(), block: undefined };
  },
  gap(state, direction, bytes) {
    const buffer = state.buffers[direction];
    if (direction === 'toServer') return gapInFrames(buffer, bytes, readRequest);
    const block = state.block;
    if (block === undefined) return gapInFrames(buffer, bytes, (b) => readResponse(state, b));
    const skipping = buffer.skipping;
    if (buffer.length === 0 && buffer.gap(bytes)) {
      block.lost += bytes;
      return [];
    }
    // The loss ran past a value into what followed it (END, more values): a reply is written
    // at once, so the loss ends where the response does, and the response is read from its
    // head: the VALUE lines seen, the rest counted.
    buffer.clear();
    state.block = undefined;
    const lost = block.lost + bytes;
    const size = block.size + Math.max(0, bytes - skipping);
    return [truncated(response(block.firstLine, size), size - lost, size)];
  },
  flush(state) {
    return releasedOnClose(state.buffers);
  },
  parse(payload, direction: Direction, state) {
    const result = readFrames(state.buffers[direction], payload, (b) =>
      direction === 'toServer' ? readRequest(b) : readResponse(state, b),
    );
    if (!Array.isArray(result) && result.kind === 'error' && direction === 'toClient') state.block = undefined;
    return result;
  },
};
