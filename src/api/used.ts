// Eip.status.used, the allocation record: allocated IP -> the Services holding it as "ns/name",
// joined with ";" when Services share the IP ("ns/a;ns/b"). The one codec for that value: the
// allocator writes it and rebuilds from it, the announcements and the Eip status read it.

const SEPARATOR = ';';

/** "ns/a; ns/b" → ["ns/a", "ns/b"]: each entry trimmed, entries without a "/" left out. */
export function decodeHolders(value: string): string[] {
  return value
    .split(SEPARATOR)
    .map((s) => s.trim())
    .filter((s) => s.includes('/'));
}

/** ["ns/a", "ns/b"] → "ns/a;ns/b". */
export function encodeHolders(keys: readonly string[]): string {
  return keys.join(SEPARATOR);
}

/** "ns/name" → ["ns", "name"] (split at the first "/"); undefined when either side is empty. */
export function splitHolder(key: string): [namespace: string, name: string] | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) return undefined;
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** The holders of one status.used value as [namespace, name], malformed entries left out. */
export function decodeHolderRefs(value: string): [namespace: string, name: string][] {
  const out: [string, string][] = [];
  for (const key of decodeHolders(value)) {
    const ref = splitHolder(key);
    if (ref) out.push(ref);
  }
  return out;
}
