import { inventory, type Inventory } from './inventory.ts';
import { PREFIX } from './names.ts';
import { waitFor } from './wait.ts';

// Leak checks for tests: what of ours (prefix oelab-) appeared between two inventories. Given the ids
// of the labs a test built, only their namespaces, links, processes and dirs count: another lab running
// on the machine meanwhile (another suite, a developer's `make lab`) is not this test's leak.

export type Leaks = { [K in keyof Inventory]: string[] };

export function newSince(before: Inventory, after: Inventory): Leaks {
  const diff = (a: string[], b: string[]): string[] => b.filter((x) => !a.includes(x));
  return {
    namespaces: diff(before.namespaces, after.namespaces),
    rootLinks: diff(before.rootLinks, after.rootLinks),
    processes: diff(before.processes, after.processes),
    tmpDirs: diff(before.tmpDirs, after.tmpDirs),
    frrDirs: diff(before.frrDirs, after.frrDirs),
  };
}

export function isEmpty(l: Leaks): boolean {
  return Object.values(l).every((v) => v.length === 0);
}

/**
 * Waits (briefly: killed processes take a moment to vanish) until nothing new exists since `before`
 * (of the labs `ids`, when given; of any lab otherwise).
 */
export async function expectNoLeaks(
  before: Inventory,
  ids: readonly string[] = [],
  deadlineMs = 5000,
): Promise<void> {
  await waitFor(
    async () => {
      const l = newSince(before, await inventoryOf(ids));
      if (!isEmpty(l)) throw new Error(`leaked: ${JSON.stringify(l)}`);
      return true;
    },
    deadlineMs,
    { what: 'no leftover namespaces, links, processes or dirs', intervalMs: 50 },
  );
}

async function inventoryOf(ids: readonly string[]): Promise<Inventory> {
  if (ids.length === 0) return inventory();
  const parts = await Promise.all(ids.map((id) => inventory(`${PREFIX}${id}`)));
  const join = (k: keyof Inventory): string[] => parts.flatMap((p) => p[k]);
  return {
    namespaces: join('namespaces'),
    rootLinks: join('rootLinks'),
    processes: join('processes'),
    tmpDirs: join('tmpDirs'),
    frrDirs: join('frrDirs'),
  };
}
