// gracefulRestart is the same struct in BgpConf and BgpPeer (gobgp GracefulRestart).
import { Issues, intInRange, isRecord, show } from './issues.ts';

const STATE_FIELDS = ['peerRestartTime', 'peerRestarting', 'localRestarting', 'mode'] as const;

export function checkGracefulRestart(issues: Issues, field: string, gr: unknown, who: string): void {
  if (gr === undefined || gr === null) return;
  if (!isRecord(gr)) {
    issues.error(field, `Invalid value: ${show(gr)}: must be an object`);
    return;
  }
  // RFC 4724: the restart time is a 12-bit field.
  intInRange(
    issues,
    `${field}.restartTime`,
    gr['restartTime'],
    0,
    4095,
    ' seconds (RFC 4724 allows 12 bits)',
  );
  intInRange(issues, `${field}.deferralTime`, gr['deferralTime'], 0, 65535, ' seconds');
  // Long-lived graceful restart: a 24-bit stale time.
  intInRange(issues, `${field}.staleRoutesTime`, gr['staleRoutesTime'], 0, 0xffffff, ' seconds');
  for (const k of STATE_FIELDS) {
    if (gr[k] !== undefined) issues.warn(`${field}.${k}`, 'ignored: a gobgp state field, not configuration');
  }
  if (gr['enabled'] === true && gr['helperOnly'] !== true) {
    issues.warn(
      `${field}.enabled`,
      `while graceful restart is on, ${who} keeps a dead replica's routes for restartTime, so traffic keeps going to the dead node`,
    );
  }
}
