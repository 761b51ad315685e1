// The Kubernetes manifests: every object valid against the Kubernetes API schemas (the
// kubernetes-models package: JSON schemas generated from Kubernetes' OpenAPI, compiled with
// ajv), the agent DaemonSet has what the eBPF receiver and smartencoding need, and each
// ConfigMap's collector config passes `flowtel validate`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { runCli } from '@flowtel/testkit';

const DIR = fileURLToPath(new URL('../kubernetes/', import.meta.url));

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

type Manifest = Record<string, any>;

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file} is YAML`);
      out.push(doc.toJS() as Manifest);
    }
  }
  return out;
}

function validate(m: Manifest): void {
  const Model = MODELS[`${m.apiVersion}/${m.kind}`];
  assert.ok(Model, `a schema for ${m.apiVersion} ${m.kind}`);
  new Model(m as never).validate();
}

const find = (all: Manifest[], kind: string, name: string) => {
  const m = all.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(m, `${kind} ${name}`);
  return m;
};

test('every object is valid against the Kubernetes schemas, and the validator does refuse broken ones', () => {
  const all = manifests();
  assert.deepEqual(all.map((m) => `${m.kind}/${m.metadata.name}`).sort(), [
    'ClusterRole/flowtel-agent',
    'ClusterRoleBinding/flowtel-agent',
    'ConfigMap/flowtel-agent',
    'ConfigMap/flowtel-gateway',
    'DaemonSet/flowtel-agent',
    'Deployment/flowtel-gateway',
    'Namespace/flowtel',
    'Secret/flowtel-clickhouse',
    'Service/flowtel-gateway',
    'ServiceAccount/flowtel-agent',
    'ServiceAccount/flowtel-gateway',
  ]);
  for (const m of all) validate(m);

  const daemonSet = structuredClone(find(all, 'DaemonSet', 'flowtel-agent'));
  daemonSet.spec.template.spec.hostPID = 'yes';
  assert.throws(() => validate(daemonSet), /hostPID/, 'a string where a boolean belongs');
  const nameless = structuredClone(find(all, 'DaemonSet', 'flowtel-agent'));
  delete nameless.spec.template.spec.containers[0].name;
  assert.throws(() => validate(nameless), /name/, 'a container without its required name');
});

test('the agent DaemonSet has the privileges, host PID, kernel mounts and node name the eBPF receiver and smartencoding need', () => {
  const all = manifests();
  const pod = find(all, 'DaemonSet', 'flowtel-agent').spec.template.spec;
  assert.equal(pod.hostPID, true);
  assert.equal(pod.serviceAccountName, 'flowtel-agent');
  const [container] = pod.containers;
  const caps: string[] = container.securityContext.capabilities.add;
  for (const cap of ['BPF', 'PERFMON', 'SYS_ADMIN']) assert.ok(caps.includes(cap), `CAP_${cap}`);
  const hostPaths = Object.fromEntries(
    pod.volumes.filter((v: Manifest) => v.hostPath).map((v: Manifest) => [v.name, v.hostPath.path]),
  );
  const mounted = Object.fromEntries(
    container.volumeMounts.map((m: Manifest) => [m.mountPath, hostPaths[m.name] as string | undefined]),
  );
  assert.equal(mounted['/sys/kernel/btf'], '/sys/kernel/btf');
  assert.equal(mounted['/sys/kernel/tracing'], '/sys/kernel/tracing');
  const nodeName = container.env.find((e: Manifest) => e.name === 'K8S_NODE_NAME');
  assert.equal(nodeName?.valueFrom?.fieldRef?.fieldPath, 'spec.nodeName', 'the downward API');

  // the account may do what processors/smartencoding/README.md says the informer does
  const binding = find(all, 'ClusterRoleBinding', 'flowtel-agent');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'flowtel-agent', namespace: 'flowtel' }]);
  const rules = find(all, 'ClusterRole', binding.roleRef.name).rules as Manifest[];
  const allowed = (group: string, resource: string, verb: string) =>
    rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
  for (const [group, resource] of [
    ['', 'pods'],
    ['', 'services'],
    ['apps', 'replicasets'],
  ])
    for (const verb of ['list', 'watch']) assert.ok(allowed(group, resource, verb), `${verb} ${resource}`);
  assert.equal(find(all, 'ServiceAccount', 'flowtel-gateway').automountServiceAccountToken, false);
});

test('the collector configs in the ConfigMaps pass flowtel validate', async () => {
  const all = manifests();
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-deploy-'));
  const env = {
    K8S_NODE_NAME: 'node-1',
    POD_IP: '127.0.0.1',
    CLICKHOUSE_ENDPOINT: 'http://127.0.0.1:8123',
    CLICKHOUSE_USER: 'default',
    CLICKHOUSE_PASSWORD: 'secret',
  };
  for (const name of ['flowtel-agent', 'flowtel-gateway']) {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, find(all, 'ConfigMap', name).data['config.yaml']);
    const r = await runCli(['validate', '--config', path], env);
    assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
  }
});
