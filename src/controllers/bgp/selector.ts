// metav1.LabelSelector matching (BgpPeer spec.nodeSelector against a Node's labels). Pure.
import type { LabelSelector } from '../../api/v1alpha2.ts';
import { OpenelbError } from '../../core/errors.ts';

function malformed(key: string, message: string): OpenelbError {
  return new OpenelbError('OE_INVALID_SELECTOR', message, { context: { key } });
}

/** Absent selector = every node; an empty one (no terms) too, as in Kubernetes. Throws on a malformed term. */
export function labelsMatch(
  sel: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.operator) {
      case 'In':
        if (!r.values?.length) throw malformed(r.key, `operator In on ${r.key} needs values`);
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case 'NotIn':
        if (!r.values?.length) throw malformed(r.key, `operator NotIn on ${r.key} needs values`);
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw malformed(
          r.key,
          `unknown operator ${String((r as { operator: unknown }).operator)} on ${r.key}`,
        );
    }
  }
  return true;
}
