// A stand-in for the Kubernetes API server on loopback: HTTPS with the test's own CA, bearer
// token checked, the recorded lists served, and watch streams the test writes events into.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTestCerts } from '@flowtel/testkit';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'k8s');

const RESOURCES: Record<string, string> = {
  '/api/v1/pods': 'pods.json',
  '/api/v1/services': 'services.json',
  '/apis/apps/v1/replicasets': 'replicasets.json',
  '/apis/apps/v1/deployments': 'deployments.json',
};

export interface FakeApiServer {
  url: string;
  caFile: string;
  tokenFile: string;
  /** every request's path and query, in order */
  requests: string[];
  /** the lists as served; a test edits them to change what the next list returns */
  lists: Record<string, { metadata: { resourceVersion: string }; items: unknown[] }>;
  /** writes one watch event to every open watch of `path` */
  event(path: string, type: string, object: unknown): void;
  /** ends every open watch of `path` */
  endWatches(path: string): void;
  openWatches(path: string): number;
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer | undefined> {
  const certs = makeTestCerts();
  if (!certs) return undefined;
  const tokenFile = join(certs.dir, 'token');
  writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.test-service-account-token\n');
  const lists = Object.fromEntries(
    Object.entries(RESOURCES).map(([path, file]) => [path, JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))]),
  );
  const watches = new Map<string, Set<ServerResponse>>();
  const requests: string[] = [];
  const server: Server = createServer(
    { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      requests.push(url.pathname + url.search);
      if (req.headers.authorization !== `Bearer ${readFileSync(tokenFile, 'utf8').trim()}`) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"kind":"Status","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}');
        return;
      }
      const list = lists[url.pathname];
      if (!list) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(`{"kind":"Status","code":404,"message":"the server could not find the requested resource"}`);
        return;
      }
      if (url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        let open = watches.get(url.pathname);
        if (!open) watches.set(url.pathname, (open = new Set()));
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    caFile: certs.caFile,
    tokenFile,
    requests,
    lists,
    event(path, type, object) {
      for (const res of watches.get(path) ?? []) res.write(`${JSON.stringify({ type, object })}\n`);
    },
    endWatches(path) {
      for (const res of watches.get(path) ?? []) res.end();
    },
    openWatches: (path) => watches.get(path)?.size ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const open of watches.values()) for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
