// The default-pool annotation: only "true" marks a default pool, and at most one Eip may carry it.
import { ANNOTATION_DEFAULT_EIP } from '../names.ts';
import { Issues, listMore, show } from './issues.ts';
import type { EipLike } from './objects.ts';

const DEFAULT_FIELD = `metadata.annotations[${ANNOTATION_DEFAULT_EIP}]`;

function isDefault(o: EipLike | undefined): boolean {
  return o?.metadata.annotations?.[ANNOTATION_DEFAULT_EIP] === 'true';
}

export function checkDefault(issues: Issues, obj: EipLike, others: readonly EipLike[]): void {
  const v = obj.metadata.annotations?.[ANNOTATION_DEFAULT_EIP];
  if (v === undefined) return;
  if (v !== 'true') {
    if (v !== 'false')
      issues.warn(DEFAULT_FIELD, `${show(v)} does not mark a default pool; only "true" does`);
    return;
  }
  const defaults = others
    .filter((o) => o.metadata.name !== obj.metadata.name && isDefault(o))
    .map((o) => show(o.metadata.name));
  if (defaults.length > 0) {
    issues.error(
      DEFAULT_FIELD,
      `Forbidden: Eip ${listMore(defaults)} is already the default pool; at most one Eip may have ${ANNOTATION_DEFAULT_EIP}: "true"`,
    );
  }
}
