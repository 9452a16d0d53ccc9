// One probe of one container attempt, run as the kubelet's prober worker runs it: after
// initialDelaySeconds, every periodSeconds, each try bounded by timeoutSeconds; the result flips
// after successThreshold consecutive successes or failureThreshold consecutive failures.
import { inNs, run } from '../lab/exec.ts';
import { execIn } from './podman.ts';
import type { ProbeHandler, ProbePlan } from './plan.ts';

export interface ProbeTry {
  ok: boolean;
  /** what the kubelet would put in an Unhealthy event */
  detail: string;
}

/** exec: inside the container (podman exec); httpGet: from the node's network namespace (where the kubelet sits for a hostNetwork pod). */
export async function tryProbe(
  h: ProbeHandler,
  container: string,
  netns: string,
  timeoutMs: number,
): Promise<ProbeTry> {
  if (h.kind === 'exec') {
    const r = await execIn(container, h.command, timeoutMs + 2000);
    const out = (r.stdout + r.stderr).trim();
    return {
      ok: r.code === 0,
      detail:
        r.code === 0
          ? out
          : `command ${JSON.stringify(h.command)} exited ${r.code}${out ? `: ${out.slice(0, 500)}` : ''}`,
    };
  }
  const headers = h.headers.flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const argv = [
    'curl',
    '-sS',
    '-g',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--max-time',
    String(timeoutMs / 1000),
    '-A',
    'kube-probe/pod-runner',
    ...headers,
    h.url,
  ];
  const r = await run(inNs(netns, argv), { timeoutMs: timeoutMs + 5000 });
  const status = Number(r.stdout.trim());
  const ok = r.code === 0 && status >= 200 && status < 400;
  return {
    ok,
    detail: ok
      ? `HTTP ${status}`
      : r.code === 0
        ? `HTTP probe failed with statuscode: ${status}`
        : `Get "${h.url}": ${r.stderr.trim().split('\n').pop() ?? ''}`,
  };
}

export type ProbeVerdict = 'success' | 'failure';

export class ProbeWorker {
  readonly plan: ProbePlan;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #successes = 0;
  #failures = 0;
  #verdict: ProbeVerdict | undefined;
  lastTry: ProbeTry | undefined;
  readonly #runTry: () => Promise<ProbeTry>;
  readonly #onVerdict: (v: ProbeVerdict, last: ProbeTry) => void;

  constructor(
    plan: ProbePlan,
    runTry: () => Promise<ProbeTry>,
    onVerdict: (v: ProbeVerdict, last: ProbeTry) => void,
  ) {
    this.plan = plan;
    this.#runTry = runTry;
    this.#onVerdict = onVerdict;
  }

  start(): void {
    this.#schedule(this.plan.initialDelayMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  get verdict(): ProbeVerdict | undefined {
    return this.#verdict;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), ms);
  }

  async #tick(): Promise<void> {
    const t0 = performance.now();
    const r = await this.#runTry().catch((e: unknown): ProbeTry => ({ ok: false, detail: String(e) }));
    if (this.#stopped) return;
    this.lastTry = r;
    if (r.ok) {
      this.#failures = 0;
      this.#successes++;
      if (this.#successes >= this.plan.successThreshold && this.#verdict !== 'success')
        this.#set('success', r);
    } else {
      this.#successes = 0;
      this.#failures++;
      if (this.#failures >= this.plan.failureThreshold && this.#verdict !== 'failure')
        this.#set('failure', r);
    }
    this.#schedule(Math.max(0, this.plan.periodMs - (performance.now() - t0)));
  }

  #set(v: ProbeVerdict, r: ProbeTry): void {
    this.#verdict = v;
    this.#onVerdict(v, r);
  }
}
