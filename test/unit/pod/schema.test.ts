// The pod runner refuses what it does not implement, naming the field path — never ignores it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editContainer, editPodSpec, loadWorkload } from '../../pod/manifest.ts';
import { checkPodTemplate, PodSpecRefused } from '../../pod/schema.ts';

const w = await loadWorkload();

function refusal(t: unknown): string[] {
  try {
    checkPodTemplate(t);
  } catch (e) {
    assert.ok(e instanceof PodSpecRefused, String(e));
    return [...e.problems];
  }
  assert.fail('the template was accepted');
}

describe('pod runner: pod spec check', () => {
  it("accepts the Deployment's pod template from deploy/openelb.yaml as rendered", () => {
    assert.doesNotThrow(() => checkPodTemplate(w.template));
  });

  it('refuses an unknown container field, naming its path', () => {
    const t = editContainer(w.template, 'manager', (c) => {
      c.livenessProbes = { exec: { command: ['true'] } };
    });
    const p = refusal(t);
    assert.equal(p.length, 1);
    assert.match(
      p[0] ?? '',
      /^spec\.containers\[0\]\.livenessProbes: unknown field; the pod runner refuses the pod/,
    );
  });

  it('refuses an unknown pod-level field and a known one it does not implement, with the reason', () => {
    const t = editPodSpec(w.template, (s) => {
      s.hostAliases = [{ ip: '10.0.0.1', hostnames: ['x'] }];
      s.frobnicate = true;
    });
    const p = refusal(t);
    assert.ok(
      p.some((x) => /^spec\.hostAliases: \/etc\/hosts entries are not implemented/.test(x)),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) => /^spec\.frobnicate: unknown field/.test(x)),
      p.join('\n'),
    );
  });

  it('refuses fields deep inside the sidecar: lifecycle hooks, tcpSocket probes, subPath mounts', () => {
    const t = editContainer(w.template, 'gobgpd', (c) => {
      c.lifecycle = { preStop: { exec: { command: ['true'] } } };
      (c.livenessProbe as Record<string, unknown>).tcpSocket = { port: 1 };
      (c.volumeMounts as Record<string, unknown>[])[0]!.subPath = 'x';
    });
    const p = refusal(t);
    assert.ok(
      p.includes(
        'spec.initContainers[0].lifecycle: postStart/preStop hooks are not implemented; the pod runner refuses the pod rather than ignoring the field',
      ),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) =>
        x.startsWith('spec.initContainers[0].livenessProbe.tcpSocket: tcpSocket probes are not implemented'),
      ),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) =>
        x.startsWith('spec.initContainers[0].volumeMounts[0].subPath: subPath mounts are not implemented'),
      ),
      p.join('\n'),
    );
  });

  it('refuses values it does not implement: hostNetwork false, a privileged container, a Localhost seccomp profile', () => {
    const t = editPodSpec(w.template, (s) => {
      s.hostNetwork = false;
      (s.securityContext as Record<string, unknown>).seccompProfile = {
        type: 'Localhost',
        localhostProfile: 'x.json',
      };
    });
    const t2 = editContainer(t, 'manager', (c) => {
      (c.securityContext as Record<string, unknown>).privileged = true;
    });
    const p = refusal(t2);
    assert.ok(
      p.some((x) => x.startsWith('spec.hostNetwork: value false is not implemented')),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) =>
        x.startsWith('spec.securityContext.seccompProfile.type: value "Localhost" is not implemented'),
      ),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) => x.startsWith('spec.securityContext.seccompProfile.localhostProfile: unknown field')),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) =>
        x.startsWith('spec.containers[0].securityContext.privileged: value true is not implemented'),
      ),
      p.join('\n'),
    );
  });

  it('refuses plain init containers, unknown downward API fields and probe ports that name no port', () => {
    const t = editContainer(w.template, 'gobgpd', (c) => {
      delete c.restartPolicy;
    });
    const t2 = editContainer(t, 'manager', (c) => {
      (c.env as Record<string, unknown>[]).push({
        name: 'X',
        valueFrom: { fieldRef: { fieldPath: 'spec.schedulerName' } },
      });
      ((c.readinessProbe as Record<string, unknown>).httpGet as Record<string, unknown>).port = 'nope';
    });
    const p = refusal(t2);
    assert.ok(
      p.some((x) =>
        x.startsWith(
          'spec.initContainers[0].restartPolicy: run-to-completion init containers are not implemented',
        ),
      ),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) =>
        x.startsWith(
          'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: spec.schedulerName is not implemented',
        ),
      ),
      p.join('\n'),
    );
    assert.ok(
      p.some((x) => x === 'spec.containers[0].readinessProbe.httpGet.port: no container port named nope'),
      p.join('\n'),
    );
  });

  it('refuses a bad quantity with the field path', () => {
    const t = editContainer(w.template, 'manager', (c) => {
      (c.resources as { limits: Record<string, unknown> }).limits.memory = '384MB';
    });
    assert.match(
      refusal(t)[0] ?? '',
      /^spec\.containers\[0\]\.resources\.limits\.memory: "384MB" is not a Kubernetes quantity/,
    );
  });
});
