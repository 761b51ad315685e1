// The parts of Kubernetes API objects SmartEncoding reads (core/v1 Pod and Service,
// apps/v1 ReplicaSet), as the API server returns them.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind: string; name: string; uid: string; controller?: boolean }>;
  creationTimestamp?: string;
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: { nodeName?: string; hostNetwork?: boolean; containers?: Array<{ name: string; image?: string }> };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: Array<{ ip: string }>;
    hostIP?: string;
    startTime?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  imageID?: string;
  containerID?: string;
}

export interface Service {
  metadata: ObjectMeta;
  spec?: { selector?: Record<string, string>; clusterIP?: string; type?: string };
}

export interface ReplicaSet {
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T | { kind: 'Status'; code?: number; message?: string };
}
