// BgpPeer spec.timers.config: whole seconds as integers or digit strings (as OpenELB wrote them),
// the RFC 4271 hold time floor, keepalive against hold time.
import { GOBGPD_IGNORES } from './gobgpd-ignores.ts';
import { Issues, recordAt, show } from './issues.ts';

const DEFAULT_HOLD = 90;

/** Timer value: integer or decimal-digit string (protobuf-JSON uint64). */
function timer(issues: Issues, field: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  let n: number;
  if (typeof v === 'string' && /^\d{1,10}$/.test(v)) n = Number(v);
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = v;
  else {
    issues.error(
      field,
      `Invalid value: ${show(v)}: must be a whole number of seconds (an integer or a string of digits like "9")`,
    );
    return undefined;
  }
  if (n > 65535) {
    issues.error(field, `Invalid value: ${show(v)}: must be at most 65535 seconds`);
    return undefined;
  }
  return n;
}

export function checkTimers(issues: Issues, spec: Record<string, unknown>): void {
  const cfg = recordAt(spec['timers'], 'config');
  if (!cfg) return;
  const base = 'spec.timers.config';
  const hold = timer(issues, `${base}.holdTime`, cfg['holdTime']);
  const keepalive = timer(issues, `${base}.keepaliveInterval`, cfg['keepaliveInterval']);
  timer(issues, `${base}.connectRetry`, cfg['connectRetry']);
  const mrai = timer(issues, `${base}.minimumAdvertisementInterval`, cfg['minimumAdvertisementInterval']);
  if (mrai !== undefined && mrai > 0)
    issues.warn(
      `${base}.minimumAdvertisementInterval`,
      `accepted, but ${GOBGPD_IGNORES.minimumAdvertisementInterval}`,
    );
  if (hold !== undefined && hold > 0 && hold < 3) {
    issues.error(
      `${base}.holdTime`,
      `Invalid value: ${show(cfg['holdTime'])}: must be 0 (no keepalives) or between 3 and 65535 seconds (RFC 4271)`,
    );
    return;
  }
  if (keepalive === undefined) return;
  const effHold = hold ?? DEFAULT_HOLD;
  if (effHold === 0) {
    if (keepalive > 0)
      issues.warn(`${base}.keepaliveInterval`, 'ignored: with holdTime 0 no keepalives are sent');
    return;
  }
  const holdText = hold === undefined ? `the default holdTime ${DEFAULT_HOLD}` : `holdTime ${hold}`;
  if (keepalive >= effHold) {
    issues.error(
      `${base}.keepaliveInterval`,
      `Invalid value: ${show(cfg['keepaliveInterval'])}: must be less than ${holdText} (usually a third of it)`,
    );
  } else if (keepalive * 3 > effHold) {
    issues.warn(
      `${base}.keepaliveInterval`,
      `${keepalive}s is more than a third of ${holdText}; one lost keepalive may drop the session`,
    );
  }
}
