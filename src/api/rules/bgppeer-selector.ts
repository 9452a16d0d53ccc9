// BgpPeer spec.nodeSelector: label keys and values, and the operators a LabelSelector allows.
import { Issues, isLabelKey, isLabelValue, isRecord, recordAt, show } from './issues.ts';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

export function checkNodeSelector(issues: Issues, spec: Record<string, unknown>): void {
  const sel = spec['nodeSelector'];
  if (!isRecord(sel)) return;
  const labels = recordAt(sel, 'matchLabels') ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const f = `spec.nodeSelector.matchLabels[${k}]`;
    if (!isLabelKey(k)) issues.error(f, `Invalid value: ${show(k)}: not a label key`);
    if (typeof v !== 'string' || !isLabelValue(v))
      issues.error(f, `Invalid value: ${show(v)}: not a label value`);
  }
  const exprs = sel['matchExpressions'];
  if (!Array.isArray(exprs)) return;
  exprs.forEach((e, i) => {
    const f = `spec.nodeSelector.matchExpressions[${i}]`;
    if (!isRecord(e)) return issues.error(f, 'Invalid value: must be {key, operator, values}');
    const op = e['operator'];
    const values = e['values'];
    const n = Array.isArray(values) ? values.length : 0;
    if (typeof e['key'] !== 'string' || !isLabelKey(e['key']))
      issues.error(`${f}.key`, `Invalid value: ${show(e['key'])}: not a label key`);
    if (typeof op !== 'string' || !OPERATORS.has(op))
      issues.error(
        `${f}.operator`,
        `Unsupported value: ${show(op)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"`,
      );
    else if ((op === 'In' || op === 'NotIn') && n === 0)
      issues.error(`${f}.values`, `Required value: must be non-empty for operator ${op}`);
    else if ((op === 'Exists' || op === 'DoesNotExist') && n > 0)
      issues.error(`${f}.values`, `Forbidden: must be empty for operator ${op}`);
  });
}
