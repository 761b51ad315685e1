import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { containerOfCgroup, containerIdOfStatus } from '../src/container.ts';
import { readProc } from '../src/proc.ts';

const ID = 'a3c2b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2';

test('container ids from the cgroup layouts of docker, containerd, CRI-O and podman', () => {
  const cases: Array<[string, string, string, string?]> = [
    ['docker cgroup v1', `12:memory:/docker/${ID}\n11:cpu,cpuacct:/docker/${ID}\n`, 'docker'],
    ['docker cgroup v2 (systemd)', `0::/system.slice/docker-${ID}.scope\n`, 'docker'],
    [
      'containerd in Kubernetes (systemd driver)',
      `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8a9b_0c1d2e3f4a5b.slice/cri-containerd-${ID}.scope\n`,
      'containerd',
      '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    ],
    [
      'containerd in Kubernetes (cgroupfs driver)',
      `4:pids:/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/${ID}\n`,
      'unknown',
      '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    ],
    [
      'CRI-O',
      `0::/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8a9b_0c1d2e3f4a5b.slice/crio-${ID}.scope\n`,
      'cri-o',
      '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    ],
    ['podman', `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container\n`, 'podman'],
  ];
  for (const [name, text, runtime, podUid] of cases) {
    const c = containerOfCgroup(text);
    assert.equal(c?.id, ID, name);
    assert.equal(c?.runtime, runtime, name);
    assert.equal(c?.podUid, podUid, name);
  }
  assert.equal(
    containerOfCgroup('0::/user.slice/user-0.slice/session-3.scope\n'),
    undefined,
    'a host process has no container',
  );
  assert.equal(
    containerOfCgroup(`0::/system.slice/crio-conmon-${ID}.scope\n`),
    undefined,
    "CRI-O's conmon is not the container",
  );
  assert.equal(containerIdOfStatus(`containerd://${ID}`), ID);
  assert.equal(containerIdOfStatus(`cri-o://${ID}`), ID);
});

test('readProc reads this very process from /proc', () => {
  const me = readProc(process.pid);
  assert.ok(me, 'this process is in /proc');
  assert.equal(me.pid, process.pid);
  assert.equal(me.comm, readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim());
  assert.equal(me.executablePath, process.execPath);
  assert.match(me.commandLine, /local\.test\.ts|--test/);
  assert.match(me.startTicks, /^\d+$/);
  assert.deepEqual(me.container, containerOfCgroup(readFileSync(`/proc/${process.pid}/cgroup`, 'utf8')));
  assert.equal(readProc(2 ** 22 + 7), undefined, 'a pid that does not exist');
});
