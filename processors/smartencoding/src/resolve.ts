// From a resource's attributes (and, for OTLP, the sending client's address) to the tag set
// of each kind: what /proc and the API server say where they know the thing, what the
// resource itself says otherwise. Every candidate names its identity (the dictionary key).
import type { AnyValue, KeyValue } from '@flowtel/pdata';
import type { KubeCache, PodContainer } from './kubernetes/cache.ts';
import { podIps } from './kubernetes/cache.ts';
import type { Pod } from './kubernetes/objects.ts';
import { WORKLOAD_ATTRIBUTE } from './kubernetes/workload.ts';
import type { LocalHost } from './host.ts';
import type { ProcInfo } from './proc.ts';
import type { TagAttributes, TagKind } from '@flowtel/core/smartencoding';
import { tagAttributes, tagValueOf } from './value.ts';

export interface Candidate {
  key: string;
  name: string;
  attributes: TagAttributes;
}

export type TagSet = Partial<Record<TagKind, Candidate>>;

export interface ResolverSources {
  host: LocalHost;
  /** the collector's own tags (config `tags`) */
  agentTags: Record<string, string>;
  proc(pid: number): ProcInfo | undefined;
  kube?: KubeCache;
  /** include pod labels / annotations in the pod entry */
  labels: boolean;
  annotations: boolean;
}

/** The resource attributes each kind takes when nothing better knows the thing. */
const OWNED_PREFIXES: Array<[TagKind, string[]]> = [
  ['host', ['host.', 'os.']],
  ['process', ['process.']],
  ['container', ['container.']],
  ['pod', ['k8s.pod.']],
  ['namespace', ['k8s.namespace.']],
  ['node', ['k8s.node.']],
  [
    'workload',
    ['k8s.deployment.', 'k8s.statefulset.', 'k8s.daemonset.', 'k8s.cronjob.', 'k8s.job.', 'k8s.replicaset.'],
  ],
  ['service', ['k8s.service.']],
];

function ownerOf(key: string): TagKind | undefined {
  for (const [kind, prefixes] of OWNED_PREFIXES) for (const p of prefixes) if (key.startsWith(p)) return kind;
  return undefined;
}

/** The attribute that names the entry of a kind built from resource attributes. */
const NAME_ATTRIBUTES: Partial<Record<TagKind, string[]>> = {
  host: ['host.name', 'host.id'],
  process: ['process.executable.name', 'process.command', 'process.pid'],
  container: ['container.name', 'container.id'],
  pod: ['k8s.pod.name', 'k8s.pod.uid'],
  namespace: ['k8s.namespace.name'],
  node: ['k8s.node.name'],
  workload: Object.values(WORKLOAD_ATTRIBUTE),
  service: ['k8s.service.name'],
};

type Attrs = Map<string, AnyValue>;

const text = (attrs: Attrs, key: string): string | undefined => {
  const v = attrs.get(key);
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue || undefined;
  if ('intValue' in v) return v.intValue.toString();
  return undefined;
};

export function resolveTags(resource: KeyValue[], clientAddress: string | undefined, src: ResolverSources): TagSet {
  const attrs: Attrs = new Map();
  for (const kv of resource) if (!attrs.has(kv.key)) attrs.set(kv.key, kv.value);
  const set: TagSet = {};

  if (Object.keys(src.agentTags).length > 0) {
    set.agent = {
      key: JSON.stringify([src.host.name, src.agentTags]),
      name: src.host.name,
      attributes: tagAttributes(src.agentTags),
    };
  }

  const hostName = text(attrs, 'host.name');
  const local = hostName === src.host.name;
  if (local) {
    set.host = {
      key: hostName,
      name: hostName,
      attributes: tagAttributes({
        'host.name': hostName,
        'host.id': src.host.id,
        'host.arch': src.host.arch,
        'os.type': src.host.osType,
      }),
    };
  }

  const pid = Number(text(attrs, 'process.pid'));
  const proc = local && Number.isInteger(pid) && pid > 0 ? src.proc(pid) : undefined;
  if (proc) {
    set.process = {
      key: `${hostName}|${pid}|${proc.startTicks}`,
      name: proc.comm,
      attributes: tagAttributes({
        'process.pid': pid,
        'process.executable.name': proc.comm,
        'process.executable.path': proc.executablePath,
        'process.command_line': proc.commandLine,
      }),
    };
  }

  const containerId = proc?.container?.id ?? text(attrs, 'container.id');
  const kube = src.kube;
  let pod: Pod | undefined;
  let podContainer: PodContainer | undefined;
  if (kube) {
    podContainer = containerId ? kube.podByContainerId(containerId) : undefined;
    pod =
      byUid(kube, text(attrs, 'k8s.pod.uid')) ??
      byUid(kube, proc?.container?.podUid) ??
      podContainer?.pod ??
      byName(kube, text(attrs, 'k8s.namespace.name'), text(attrs, 'k8s.pod.name')) ??
      byIp(kube, text(attrs, 'k8s.pod.ip')) ??
      byIp(kube, hostOf(clientAddress));
  }

  if (containerId) {
    const status = podContainer?.status;
    set.container = {
      key: containerId,
      name: status?.name ?? containerId.slice(0, 12),
      attributes: tagAttributes({
        'container.id': containerId,
        'container.runtime': proc?.container?.runtime,
        'container.name': status?.name,
        'container.image.name': status?.image,
      }),
    };
  }

  if (pod && kube) Object.assign(set, podTags(pod, kube, src));

  // what /proc and the API server did not explain, the resource's own attributes describe
  const own = new Map<TagKind, TagAttributes>();
  for (const [key, value] of attrs) {
    const kind = ownerOf(key);
    if (!kind || set[kind]) continue;
    const v = tagValueOf(value);
    if (!v) continue;
    let list = own.get(kind);
    if (!list) own.set(kind, (list = []));
    list.push([key, v]);
  }
  for (const [kind, attributes] of own) {
    const name = (NAME_ATTRIBUTES[kind] ?? []).map((n) => text(attrs, n)).find((n) => n !== undefined) ?? '';
    set[kind] = { key: `attributes:${JSON.stringify(attributes)}`, name, attributes };
  }
  return set;
}

export function podTags(pod: Pod, kube: KubeCache, src: ResolverSources): TagSet {
  const meta = pod.metadata;
  const namespace = meta.namespace ?? '';
  const owner = meta.ownerReferences?.find((o) => o.controller);
  const podAttrs: Record<string, string | undefined> = {
    'k8s.pod.name': meta.name,
    'k8s.pod.uid': meta.uid,
    'k8s.pod.ip': podIps(pod)[0],
    'k8s.pod.start_time': pod.status?.startTime,
    'k8s.replicaset.name': owner?.kind === 'ReplicaSet' ? owner.name : undefined,
    'k8s.job.name': owner?.kind === 'Job' ? owner.name : undefined,
  };
  if (src.labels) for (const [k, v] of Object.entries(meta.labels ?? {})) podAttrs[`k8s.pod.label.${k}`] = v;
  if (src.annotations)
    for (const [k, v] of Object.entries(meta.annotations ?? {})) podAttrs[`k8s.pod.annotation.${k}`] = v;
  const set: TagSet = {
    pod: { key: meta.uid, name: meta.name, attributes: tagAttributes(podAttrs) },
    namespace: { key: namespace, name: namespace, attributes: tagAttributes({ 'k8s.namespace.name': namespace }) },
  };
  const node = pod.spec?.nodeName;
  if (node) set.node = { key: node, name: node, attributes: tagAttributes({ 'k8s.node.name': node }) };
  const workload = kube.workloadOf(pod);
  if (workload) {
    const attribute = WORKLOAD_ATTRIBUTE[workload.kind] ?? 'flowtel.k8s.workload.name';
    set.workload = {
      key: `${namespace}/${workload.kind}/${workload.name}`,
      name: workload.name,
      attributes: tagAttributes({ [attribute]: workload.name, 'flowtel.k8s.workload.kind': workload.kind }),
    };
  }
  const service = kube.servicesOf(pod)[0];
  if (service) {
    set.service = {
      key: service.metadata.uid,
      name: service.metadata.name,
      attributes: tagAttributes({ 'k8s.service.name': service.metadata.name, 'k8s.service.uid': service.metadata.uid }),
    };
  }
  return set;
}

const byUid = (kube: KubeCache, uid: string | undefined) => (uid ? kube.podByUid(uid) : undefined);
const byName = (kube: KubeCache, ns: string | undefined, name: string | undefined) =>
  ns && name ? kube.podByName(ns, name) : undefined;
const byIp = (kube: KubeCache, ip: string | undefined) => (ip ? kube.podByIp(ip) : undefined);

/** `10.0.0.5:43210`, `[fd00::1]:4317` or a bare address → the address. */
export function hostOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1];
  const parts = address.split(':');
  return parts.length === 2 ? parts[0] : address;
}
