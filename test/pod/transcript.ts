// Pods in a transcript: the kubectl-like pod line, then `podman inspect` of each container next to
// the kernel's view of its process, and whether both match the pod spec.
import type { Pod } from './pod.ts';

/** Prints every pod and its containers' audit; returns the differences from the spec ([] = none). */
export async function printPodAudit(pods: readonly Pod[], say: (line?: string) => void): Promise<string[]> {
  const problems: string[] = [];
  say(
    "$ kubectl get pods -n openelb-system -o wide   (the pod runner's view: NAME READY STATUS RESTARTS NODE)",
  );
  for (const p of pods) say(`  ${p.line()}`);
  for (const p of pods) {
    for (const a of await p.audit()) {
      say(`$ podman inspect ${a.podmanName}   (${p.node.name}, container ${a.container})`);
      say(`  ${a.inspectLine}`);
      say(`  kernel: ${a.kernelLine}`);
      say(
        a.problems.length === 0
          ? '  → user, groups, capabilities, no_new_privs, seccomp and read-only root as deploy/openelb.yaml says'
          : `  → DIFFERS from the manifest: ${a.problems.join('; ')}`,
      );
      problems.push(...a.problems.map((x) => `${p.node.name}/${a.container}: ${x}`));
    }
  }
  return problems;
}
