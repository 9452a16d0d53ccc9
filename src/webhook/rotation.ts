// Keeps one replica's webhook certificate current: every interval it makes sure the Secret holds valid
// material (ensureCertSecret), pushes the CA bundle to the API objects that need it, then loads the
// certificate into the server. When the CA changed, the bundle is pushed BEFORE the new certificate
// is served, so the API server never sees a certificate it does not trust yet.
import { Backoff } from '../core/backoff.ts';
import { Timer } from '../core/timer.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../obs/log.ts';
import { gauge } from '../obs/metrics.ts';
import type { KubeClient } from '../kube/client.ts';
import { errorMessage } from '../kube/errors.ts';
import { Resources } from '../kube/resources.ts';
import { syncCaBundle, type CaBundleTargets } from './cabundle.ts';
import { ensureCertSecret, type CertMaterial, type CertPolicy } from './certs.ts';
import { lifetime, parseCert } from './pki.ts';

export interface RotatorOptions {
  client: KubeClient;
  namespace: string;
  secretName: string;
  policy: CertPolicy;
  targets: CaBundleTargets;
  /** Called with the material to serve whenever it changes. */
  onCertificate: (m: CertMaterial) => void;
  now?: () => Date;
  /** Steady-state check interval. Default 10 minutes. */
  checkIntervalMs?: number;
  /** Retry delays after a failure: doubles from min to max. Default 1 s .. 60 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** timers run on this clock (tests); default the process's */
  clock?: Clock;
  log: Logger;
}

const notAfter = gauge(
  'webhook_certificate_not_after_seconds',
  'Expiry (Unix seconds) of the certificate the webhook serves.',
);

export class CertRotator {
  private readonly o: RotatorOptions;
  private serving: CertMaterial | undefined;
  private bundleSynced = false;
  private readonly timer: Timer;
  private readonly retry: Backoff;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(o: RotatorOptions) {
    this.o = o;
    this.timer = new Timer(() => this.tick(), o.clock ? { clock: o.clock } : {});
    // doubles from min to max, no jitter: one replica's retries need no spreading
    this.retry = new Backoff({ initialMs: o.retryMinMs ?? 1000, maxMs: o.retryMaxMs ?? 60_000, jitter: 0 });
  }

  get current(): CertMaterial | undefined {
    return this.serving;
  }

  /** A certificate is served and the API objects carry its CA. */
  get ready(): boolean {
    return this.serving !== undefined && this.bundleSynced;
  }

  /** One pass; concurrent callers share the pass in flight. Throws on failure. */
  sync(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { client, log } = this.o;
    // A replica that rotates the Secret while we push an older bundle would be undone; re-read
    // once more whenever the Secret moved during the pass.
    for (let round = 0; round < 3; round++) {
      const ensured = await ensureCertSecret(client, {
        namespace: this.o.namespace,
        name: this.o.secretName,
        policy: this.o.policy,
        now: this.o.now,
      });
      if (ensured.action !== 'keep')
        log.info('webhook certificate secret written', {
          action: ensured.action,
          reasons: ensured.reasons,
          secret: `${this.o.namespace}/${this.o.secretName}`,
        });
      const m = ensured.material;
      const caChanged = this.serving !== undefined && this.serving.caBundle !== m.caBundle;
      let bundleError: unknown;
      try {
        const r = await syncCaBundle(client, m.caBundle, this.o.targets);
        if (r.patched.length > 0) log.info('caBundle patched', { objects: r.patched });
        if (r.missing.length > 0)
          log.warn('objects to carry the caBundle do not exist (yet)', { objects: r.missing });
        this.bundleSynced = true;
      } catch (e) {
        this.bundleSynced = false;
        bundleError = e;
      }
      // First load always (something to serve beats nothing); a new CA only once its bundle is out.
      if (
        this.serving === undefined ||
        (this.serving.cert !== m.cert && (!caChanged || bundleError === undefined))
      ) {
        this.o.onCertificate(m);
        this.serving = m;
        const c = parseCert(m.cert);
        if (c) notAfter.set(lifetime(c).notAfter.getTime() / 1000);
        log.info('webhook certificate loaded', { notAfter: c?.validTo });
      }
      if (bundleError !== undefined) throw bundleError;
      const again = await client.getOrUndefined(Resources.Secret, this.o.secretName, this.o.namespace);
      if (again?.metadata.resourceVersion === ensured.resourceVersion) return;
    }
  }

  /** Periodic passes; failures retry with backoff (and a start that is not ready yet retries soon). */
  start(): void {
    this.stopped = false;
    this.schedule(this.ready ? (this.o.checkIntervalMs ?? 10 * 60_000) : (this.o.retryMinMs ?? 1000));
  }

  stop(): void {
    this.stopped = true;
    this.timer.cancel();
  }

  private schedule(ms: number): void {
    if (!this.stopped) this.timer.restart(ms);
  }

  private tick(): void {
    this.sync().then(
      () => {
        this.retry.reset();
        this.schedule(this.o.checkIntervalMs ?? 10 * 60_000);
      },
      (e: unknown) => {
        const delay = this.retry.next();
        this.o.log.warn('webhook certificate sync failed; retrying', {
          error: errorMessage(e),
          retryInMs: delay,
        });
        this.schedule(delay);
      },
    );
  }
}
