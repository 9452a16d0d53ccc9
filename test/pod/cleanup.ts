// Removes what pods of a dead owner left behind: their containers (by the owner label) and any
// volume still mounted under the owner's run directory. Used by the lab's reapOrphans().
import { run } from '../lab/exec.ts';
import { containersLabelled, OWNER_LABEL, remove } from './podman.ts';
import { mountsUnder } from './volumes.ts';

export async function removeOrphanPods(owner: string, dir: string): Promise<void> {
  if ((await run(['podman', '--version'])).code === 0)
    await remove(await containersLabelled(OWNER_LABEL, owner));
  for (const m of await mountsUnder(dir)) await run(['umount', '-l', m]);
}
