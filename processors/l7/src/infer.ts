// Which protocol a connection speaks, from one payload: the parsers' own checks, in registry
// order, with those whose default ports match tried first.

import type { Direction, ProtocolParser } from './parser.ts';

export function inferProtocol(
  parsers: readonly ProtocolParser<any>[],
  payload: Uint8Array,
  direction: Direction,
  l4: 'tcp' | 'udp',
  serverPort?: number,
): ProtocolParser<any> | undefined {
  const candidates = parsers.filter((p) => p.l4 === 'both' || p.l4 === l4);
  const byPort = serverPort === undefined ? [] : candidates.filter((p) => p.defaultPorts.includes(serverPort));
  for (const parser of [...byPort, ...candidates]) {
    try {
      if (parser.infer(payload, direction)) return parser;
    } catch {
      // A parser whose check throws does not claim the connection.
    }
  }
  return undefined;
}
