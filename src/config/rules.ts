// Rules between flags, checked once every flag has its value.
import type { ManagerConfig } from './types.ts';
import { ConfigError } from './values.ts';

export function checkRelations(c: ManagerConfig): void {
  if (c.leaseRenewDeadlineMs >= c.leaseDurationMs) {
    throw new ConfigError(
      `--lease-renew-deadline (${c.leaseRenewDeadlineMs} ms) must be shorter than --lease-duration (${c.leaseDurationMs} ms)`,
      { field: 'lease-renew-deadline' },
    );
  }
  if (c.leaseRetryPeriodMs >= c.leaseRenewDeadlineMs) {
    throw new ConfigError(
      `--lease-retry-period (${c.leaseRetryPeriodMs} ms) must be shorter than --lease-renew-deadline (${c.leaseRenewDeadlineMs} ms)`,
      { field: 'lease-retry-period' },
    );
  }
  if (c.backoffMaxMs < c.backoffInitialMs) {
    throw new ConfigError(
      `--backoff-max (${c.backoffMaxMs} ms) must not be below --backoff-initial (${c.backoffInitialMs} ms)`,
      { field: 'backoff-max' },
    );
  }
  if (c.layer2ConflictRetryMs <= 0 || c.layer2ConflictRetryMaxMs < c.layer2ConflictRetryMs) {
    throw new ConfigError(
      `--layer2-conflict-retry (${c.layer2ConflictRetryMs} ms) must be above 0 and not above --layer2-conflict-retry-max (${c.layer2ConflictRetryMaxMs} ms)`,
      { field: 'layer2-conflict-retry' },
    );
  }
  if (c.bgpDrainMs + c.bgpGracefulShutdownMs >= c.shutdownTimeoutMs)
    throw new ConfigError(
      `--bgp-graceful-shutdown (${c.bgpGracefulShutdownMs} ms) plus --bgp-drain (${c.bgpDrainMs} ms) must be shorter than --shutdown-timeout (${c.shutdownTimeoutMs} ms), or the drain is cut short`,
      { field: 'bgp-graceful-shutdown' },
    );
  if (c.leaseDurationMs % 1000 !== 0)
    throw new ConfigError(`--lease-duration must be whole seconds (Lease.spec.leaseDurationSeconds)`, {
      field: 'lease-duration',
    });
}
