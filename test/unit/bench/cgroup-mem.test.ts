import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryCgroupDir, parseKeyed } from '../../../bench/lib/cgroup-mem.ts';

test('memoryCgroupDir: the v1 memory controller line wins over the unified one', () => {
  const text =
    '12:pids:/libpod_parent/libpod-abc\n9:cpu,cpuacct:/x\n4:memory:/libpod_parent/libpod-abc\n0::/other\n';
  assert.deepEqual(memoryCgroupDir(text), {
    dir: '/sys/fs/cgroup/memory/libpod_parent/libpod-abc',
    version: 1,
  });
});

test('memoryCgroupDir: cgroup v2 only', () => {
  assert.deepEqual(memoryCgroupDir('0::/machine.slice/libpod-abc.scope\n'), {
    dir: '/sys/fs/cgroup/machine.slice/libpod-abc.scope',
    version: 2,
  });
});

test('memoryCgroupDir: no memory cgroup is an error naming the text', () => {
  assert.throws(() => memoryCgroupDir('3:pids:/x\n'), /no memory cgroup.*\n3:pids:\/x/s);
});

test('parseKeyed reads memory.stat / memory.oom_control lines', () => {
  const m = parseKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
  assert.equal(m.get('oom_kill'), 2);
  assert.equal(m.get('under_oom'), 0);
});
