// What the podman tests need before they start: root, podman, and the images the manifest names
// (built by `make images`, never pulled).
import { run } from '../lab/exec.ts';
import { loadWorkload } from './manifest.ts';

/** A reason to skip (not root, no podman), or false. */
export async function podmanSkipReason(): Promise<string | false> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, podman)';
  const v = await run(['podman', '--version']);
  if (v.code !== 0) return 'podman is not installed (make images installs it)';
  return false;
}

/** Throws naming `make images` when an image of the manifest's pod template is missing. */
export async function requireImages(): Promise<void> {
  const w = await loadWorkload();
  const spec = w.template.spec as { initContainers?: { image: string }[]; containers?: { image: string }[] };
  const missing: string[] = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if ((await run(['podman', 'image', 'exists', c.image])).code !== 0) missing.push(c.image);
  }
  if (missing.length > 0)
    throw new Error(
      `image(s) ${missing.join(', ')} not present: run \`make images\` first (the pod runner never pulls)`,
    );
}
