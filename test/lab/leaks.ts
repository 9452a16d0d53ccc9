import { inventory, type Inventory } from './inventory.ts';
import { waitFor } from './wait.ts';

// Leak checks for tests: what of ours (prefix oelab-) appeared between two inventories.

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

/** Waits (briefly: killed processes take a moment to vanish) until nothing new exists since `before`. */
export async function expectNoLeaks(before: Inventory, deadlineMs = 5000): Promise<void> {
  await waitFor(
    async () => {
      const l = newSince(before, await inventory());
      if (!isEmpty(l)) throw new Error(`leaked: ${JSON.stringify(l)}`);
      return true;
    },
    deadlineMs,
    { what: 'no leftover namespaces, links, processes or dirs', intervalMs: 50 },
  );
}
