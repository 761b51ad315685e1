// The clouds' instance metadata services as their documentation describes them, answering the
// documented example documents: what the detectors meet at 169.254.169.254 on each cloud.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
  res.end(body);
};

// EC2 (docs.aws.amazon.com, "Instance identity documents" and "Use IMDSv2")
export const EC2_IDENTITY = {
  accountId: '123456789012',
  architecture: 'x86_64',
  availabilityZone: 'us-west-2b',
  billingProducts: null,
  devpayProductCodes: null,
  marketplaceProductCodes: ['1abc2defghijklm3nopqrs4tu'],
  imageId: 'ami-5fb8c835',
  instanceId: 'i-1234567890abcdef0',
  instanceType: 't2.micro',
  kernelId: null,
  pendingTime: '2016-11-19T16:32:11Z',
  privateIp: '10.158.112.84',
  ramdiskId: null,
  region: 'us-west-2',
  version: '2017-09-30',
};
export const EC2_HOSTNAME = 'ip-10-251-50-12.ec2.internal';
export const EC2_TAGS: Record<string, string> = { Name: 'MyInstance', Environment: 'Production', Team: 'Obs' };

/** IMDSv2 with tokens required (HttpTokens=required): a GET without a valid token is 401. */
export function ec2Imds(): Handler {
  const tokens = new Set<string>();
  return (req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!(ttl >= 1 && ttl <= 21600)) return send(res, 400, 'Bad Request');
      const token = `AQAEA${tokens.size}-token`;
      tokens.add(token);
      return send(res, 200, token, { 'X-Aws-Ec2-Metadata-Token-Ttl-Seconds': String(ttl) });
    }
    if (req.method !== 'GET') return send(res, 405, 'Method Not Allowed');
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token']))) return send(res, 401, 'Unauthorized');
    const path = decodeURIComponent(req.url ?? '');
    if (path === '/latest/dynamic/instance-identity/document') {
      return send(res, 200, JSON.stringify(EC2_IDENTITY, null, 2), { 'Content-Type': 'text/plain' });
    }
    if (path === '/latest/meta-data/hostname') return send(res, 200, EC2_HOSTNAME);
    if (path === '/latest/meta-data/tags/instance') return send(res, 200, Object.keys(EC2_TAGS).join('\n'));
    const tag = /^\/latest\/meta-data\/tags\/instance\/(.+)$/.exec(path);
    if (tag && tag[1] in EC2_TAGS) return send(res, 200, EC2_TAGS[tag[1]]);
    send(res, 404, 'Not Found');
  };
}

// GCE (cloud.google.com, "About VM metadata" and "Query VM metadata")
export const GCE = {
  'project/project-id': 'my-sample-project-191923',
  'instance/id': '4520031799277581759',
  'instance/name': 'gke-cluster-1-default-pool-8a1d3ebe-7dfv',
  'instance/hostname': 'gke-cluster-1-default-pool-8a1d3ebe-7dfv.c.my-sample-project-191923.internal',
  'instance/zone': 'projects/123456789012/zones/us-central1-c',
  'instance/machine-type': 'projects/123456789012/machineTypes/e2-medium',
  'instance/region': 'projects/123456789012/regions/us-central1',
  'instance/attributes/cluster-name': 'cluster-1',
  'instance/attributes/cluster-location': 'us-central1-c',
};

/** A request without Metadata-Flavor: Google is refused (403); every answer carries it. */
export function gceMetadata(): Handler {
  return (req, res) => {
    const flavor = { 'Metadata-Flavor': 'Google' };
    if (req.headers['metadata-flavor'] !== 'Google')
      return send(res, 403, 'Missing Metadata-Flavor:Google header.', flavor);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') return send(res, 200, 'computeMetadata/\n', flavor);
    const path = url.pathname.replace(/^\/computeMetadata\/v1\//, '');
    const value = (GCE as Record<string, string>)[path];
    if (value === undefined) return send(res, 404, 'Not Found', flavor);
    send(res, 200, value, { ...flavor, 'Content-Type': 'application/text' });
  };
}

// Azure (learn.microsoft.com, "Azure Instance Metadata Service", the compute sample)
export const AZURE_COMPUTE = {
  azEnvironment: 'AzurePublicCloud',
  location: 'westus',
  name: 'examplevmname',
  offer: 'UbuntuServer',
  osType: 'Linux',
  resourceGroupName: 'macikgo-test-may-23',
  resourceId:
    '/subscriptions/xxxxxxxx-xxxxx-xxx-xxx-xxxx/resourceGroups/macikgo-test-may-23/providers/Microsoft.Compute/virtualMachines/examplevmname',
  sku: '18.04-LTS',
  subscriptionId: 'xxxxxxxx-xxxxx-xxx-xxx-xxxx',
  tags: 'Department:IT;Environment:Test;Role:WebRole',
  tagsList: [
    { name: 'Department', value: 'IT' },
    { name: 'Environment', value: 'Test' },
    { name: 'Role', value: 'WebRole' },
  ],
  version: '18.04.201905140',
  vmId: '02aab8a4-74ef-476e-8182-f6d2ba4166a6',
  vmScaleSetName: 'crpteste9vflji9',
  vmSize: 'Standard_A3',
  zone: '',
};

/** Requires Metadata: true and an api-version, as IMDS does (400 otherwise). */
export function azureImds(): Handler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.metadata !== 'true') {
      return send(res, 400, JSON.stringify({ error: 'Bad request. Required metadata header not specified' }));
    }
    if (!url.searchParams.get('api-version')) {
      return send(res, 400, JSON.stringify({ error: 'Bad request. api-version was not specified in the request' }));
    }
    if (url.pathname === '/metadata/instance/compute') {
      return send(res, 200, JSON.stringify(AZURE_COMPUTE), { 'Content-Type': 'application/json; charset=utf-8' });
    }
    send(res, 404, JSON.stringify({ error: 'Not found' }));
  };
}

export function listen(handler: Handler, host: string, port: number): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Takes connections and never answers: a metadata address that hangs. */
export function silent(host: string, port: number): Promise<TcpServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
