// A minimal Chrome DevTools Protocol client over a process's --inspect port.
import { until } from './poll.ts';

export class Inspector {
  private readonly ws: WebSocket;
  private seq = 0;
  private readonly waiting = new Map<number, (r: unknown) => void>();
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (ev: MessageEvent) => {
      const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (m.id === undefined) return;
      const done = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      done?.(m.error ? new Error(m.error.message) : m.result);
    });
  }
  static async connect(port: number): Promise<Inspector> {
    const list = await until(
      'inspector target',
      async () => {
        const r = await fetch(`http://127.0.0.1:${port}/json/list`).catch(() => undefined);
        return r?.ok ? ((await r.json()) as { webSocketDebuggerUrl: string }[]) : undefined;
      },
      10_000,
    );
    const url = list[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error('no inspector target');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    return new Inspector(ws);
  }
  async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = ++this.seq;
    const r = await new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
    if (r instanceof Error) throw r;
    return r;
  }
  close(): void {
    this.ws.close();
  }
}
