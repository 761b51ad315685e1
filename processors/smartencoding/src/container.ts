// The container a process runs in, from its /proc/<pid>/cgroup: the 64-hex id that docker,
// containerd (CRI and plain), CRI-O and podman put in the cgroup path, in cgroup v1 and v2
// layouts, and the Kubernetes pod uid of the kubepods hierarchy.

export interface CgroupContainer {
  id: string;
  runtime: 'docker' | 'containerd' | 'cri-o' | 'podman' | 'unknown';
  /** the pod uid in a kubepods cgroup path, dashes restored */
  podUid?: string;
}

const SCOPE = /^(docker|cri-containerd|containerd|crio|libpod)-([0-9a-f]{64})\.scope$/;
const BARE = /^([0-9a-f]{64})$/;
const POD = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/;

const RUNTIME_OF_PREFIX: Record<string, CgroupContainer['runtime']> = {
  docker: 'docker',
  'cri-containerd': 'containerd',
  containerd: 'containerd',
  crio: 'cri-o',
  libpod: 'podman',
};

function runtimeOfPath(path: string): CgroupContainer['runtime'] {
  if (path.includes('/docker')) return 'docker';
  if (path.includes('crio')) return 'cri-o';
  if (path.includes('containerd')) return 'containerd';
  if (path.includes('libpod')) return 'podman';
  return 'unknown';
}

/** The container in a /proc/<pid>/cgroup text, or undefined for a process on the host. */
export function containerOfCgroup(text: string): CgroupContainer | undefined {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    if (!path) continue;
    const segments = path.split('/');
    for (let i = segments.length - 1; i >= 0; i--) {
      const segment = segments[i];
      const scoped = SCOPE.exec(segment);
      const bare = scoped ? undefined : BARE.exec(segment);
      if (!scoped && !bare) continue;
      const id = scoped ? scoped[2] : bare![1];
      const runtime = scoped ? RUNTIME_OF_PREFIX[scoped[1]] : runtimeOfPath(path);
      const pod = POD.exec(path);
      return { id, runtime, ...(pod ? { podUid: pod[1].replace(/_/g, '-') } : {}) };
    }
  }
  return undefined;
}

/** `containerd://abc...` (a pod status's containerID) → `abc...`. */
export const containerIdOfStatus = (containerId: string) => containerId.replace(/^[a-z-]+:\/\//, '');
