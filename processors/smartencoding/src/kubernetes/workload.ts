// A pod's workload from its controller owner: a ReplicaSet's Deployment, a Job's CronJob,
// or the StatefulSet, DaemonSet, Job or bare ReplicaSet itself.
import type { Pod, ReplicaSet } from './objects.ts';

export interface Workload {
  /** Deployment, StatefulSet, DaemonSet, CronJob, Job, ReplicaSet, ReplicationController */
  kind: string;
  name: string;
}

/** The semantic-convention attribute that names a workload of each kind. */
export const WORKLOAD_ATTRIBUTE: Record<string, string> = {
  Deployment: 'k8s.deployment.name',
  StatefulSet: 'k8s.statefulset.name',
  DaemonSet: 'k8s.daemonset.name',
  CronJob: 'k8s.cronjob.name',
  Job: 'k8s.job.name',
  ReplicaSet: 'k8s.replicaset.name',
};

// a CronJob names its Jobs <cronjob>-<scheduled minute>
const CRONJOB_JOB = /^(.+)-\d{8,}$/;

export function workloadOf(
  pod: Pod,
  replicaSet: (namespace: string, name: string) => ReplicaSet | undefined,
): Workload | undefined {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const rs = replicaSet(pod.metadata.namespace ?? '', owner.name);
    const deployment = rs?.metadata.ownerReferences?.find((o) => o.kind === 'Deployment');
    if (deployment) return { kind: 'Deployment', name: deployment.name };
    // the ReplicaSet not seen yet: a Deployment's ReplicaSet is <deployment>-<pod-template-hash>
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (!rs && hash && owner.name.endsWith(`-${hash}`))
      return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    return { kind: 'ReplicaSet', name: owner.name };
  }
  if (owner.kind === 'Job') {
    const cron = CRONJOB_JOB.exec(owner.name);
    if (cron) return { kind: 'CronJob', name: cron[1] };
  }
  return { kind: owner.kind, name: owner.name };
}
