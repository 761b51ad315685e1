// What the API server says about pods, services and replica sets, indexed the ways a record
// can point at a pod: its uid, namespace and name, a container id, an IP.
import type { KubeApi } from './api.ts';
import { containerIdOfStatus } from '../container.ts';
import { Informer } from './informer.ts';
import type { ContainerStatus, Pod, ReplicaSet, Service } from './objects.ts';
import { workloadOf, type Workload } from './workload.ts';

export interface KubeCacheOptions {
  /** only this node's pods (spec.nodeName), as a DaemonSet agent wants; all pods when empty */
  nodeName?: string;
  maxBackoffMs: number;
  onError(err: Error): void;
}

export interface PodContainer {
  pod: Pod;
  status?: ContainerStatus;
}

export class KubeCache {
  readonly pods: Informer<Pod>;
  readonly services: Informer<Service>;
  readonly replicaSets: Informer<ReplicaSet>;
  private readonly byName = new Map<string, Pod>();
  private readonly byContainer = new Map<string, PodContainer>();
  private readonly byIp = new Map<string, Pod>();
  /** bumped on every change: encoders cache lookups until it moves */
  generation = 0;

  constructor(api: KubeApi, options: KubeCacheOptions) {
    const informer = <T extends Pod | Service | ReplicaSet>(path: string) =>
      new Informer<T>(api, { path, maxBackoffMs: options.maxBackoffMs, onError: options.onError });
    const podPath = options.nodeName
      ? `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${options.nodeName}`)}`
      : '/api/v1/pods';
    this.pods = informer<Pod>(podPath);
    this.services = informer<Service>('/api/v1/services');
    this.replicaSets = informer<ReplicaSet>('/apis/apps/v1/replicasets');
    this.pods.onChange((type, pod) => this.indexPod(type, pod));
    this.services.onChange(() => this.generation++);
    this.replicaSets.onChange(() => this.generation++);
  }

  start(): void {
    this.pods.start();
    this.services.start();
    this.replicaSets.start();
  }

  stop(): void {
    this.pods.stop();
    this.services.stop();
    this.replicaSets.stop();
  }

  /** Resolves once every resource has been listed, or after `timeoutMs`, whichever is first. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const synced = Promise.all([this.pods.synced, this.services.synced, this.replicaSets.synced]).then(() => true);
    try {
      return await Promise.race([synced, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  podByUid(uid: string): Pod | undefined {
    return this.pods.get(uid);
  }

  podByName(namespace: string, name: string): Pod | undefined {
    return this.byName.get(`${namespace}/${name}`);
  }

  podByContainerId(id: string): PodContainer | undefined {
    return this.byContainer.get(id);
  }

  /** Host-network pods share their node's IP: those never answer an IP lookup. */
  podByIp(ip: string): Pod | undefined {
    return this.byIp.get(ip);
  }

  workloadOf(pod: Pod): Workload | undefined {
    return workloadOf(pod, (namespace, name) => {
      for (const rs of this.replicaSets.values())
        if (rs.metadata.name === name && rs.metadata.namespace === namespace) return rs;
      return undefined;
    });
  }

  /** The services in the pod's namespace whose selector the pod's labels match, by name. */
  servicesOf(pod: Pod): Service[] {
    const labels = pod.metadata.labels ?? {};
    const out: Service[] = [];
    for (const svc of this.services.values()) {
      const selector = svc.spec?.selector;
      if (svc.metadata.namespace !== pod.metadata.namespace || !selector || Object.keys(selector).length === 0)
        continue;
      if (Object.entries(selector).every(([k, v]) => labels[k] === v)) out.push(svc);
    }
    return out.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  private indexPod(type: 'upsert' | 'delete', pod: Pod): void {
    this.generation++;
    const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const previous = this.byName.get(name);
    if (previous) this.unindex(previous);
    if (type === 'delete') return;
    this.byName.set(name, pod);
    for (const status of containerStatuses(pod)) {
      if (status.containerID) this.byContainer.set(containerIdOfStatus(status.containerID), { pod, status });
    }
    if (!pod.spec?.hostNetwork) for (const ip of podIps(pod)) this.byIp.set(ip, pod);
  }

  private unindex(pod: Pod): void {
    this.byName.delete(`${pod.metadata.namespace}/${pod.metadata.name}`);
    for (const status of containerStatuses(pod)) {
      const id = containerIdOfStatus(status.containerID ?? '');
      if (this.byContainer.get(id)?.pod.metadata.uid === pod.metadata.uid) this.byContainer.delete(id);
    }
    for (const ip of podIps(pod)) if (this.byIp.get(ip)?.metadata.uid === pod.metadata.uid) this.byIp.delete(ip);
  }
}

export function podIps(pod: Pod): string[] {
  const ips = new Set<string>();
  if (pod.status?.podIP) ips.add(pod.status.podIP);
  for (const p of pod.status?.podIPs ?? []) ips.add(p.ip);
  return [...ips];
}

const containerStatuses = (pod: Pod): ContainerStatus[] => [
  ...(pod.status?.containerStatuses ?? []),
  ...(pod.status?.initContainerStatuses ?? []),
];
