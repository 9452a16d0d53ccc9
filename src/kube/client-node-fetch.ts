// client-node's own fetch path, kept for clusters reached through a proxy (ApiTransport covers the rest).
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node';

const http = new IsomorphicFetchHttpLibrary();
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

export class ClientNodeFetch {
  private dispatcher: Dispatcher | undefined;
  private readonly kubeConfig: KubeConfig;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
  }

  /** client-node 2.0 builds a new pool per request when the cluster has TLS settings: keep the first. */
  private reuseConnections(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    if (!fresh) return;
    if (!this.dispatcher) {
      this.dispatcher = fresh;
      return;
    }
    ctx.setDispatcher(this.dispatcher);
    void fresh.close().catch(() => undefined);
  }

  async send(
    method: HttpMethod,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    const ctx = new RequestContext(url.toString(), method);
    for (const [k, v] of Object.entries(headers)) ctx.setHeaderParam(k, v);
    if (body !== undefined) ctx.setBody(body);
    ctx.setSignal(signal);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    this.reuseConnections(ctx);
    const res = await http.send(ctx).toPromise();
    return { status: res.httpStatusCode, text: await res.body.text() };
  }
}
