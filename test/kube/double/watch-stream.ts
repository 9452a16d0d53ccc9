// One open watch response: NDJSON lines, stall/resume, bookmarks, timeout, 410 expiry.
import type { ServerResponse } from 'node:http';
import type { Obj } from './json.ts';
import { statusBody, WATCH_TOO_OLD } from './status.ts';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Obj;
}

export interface WatchStreamOptions {
  res: ServerResponse;
  /** Converts a stored object into what this client gets (version conversion, Table). */
  render(obj: Obj): Promise<Obj>;
  bookmark(): Obj | undefined;
  timeoutMs: number;
  bookmarkIntervalMs: number;
  stalled: boolean;
  onClose(): void;
}

export class WatchStream {
  private readonly o: WatchStreamOptions;
  private chain: Promise<void> = Promise.resolve();
  private held: (() => Promise<void>)[] = [];
  private stalled: boolean;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(o: WatchStreamOptions) {
    this.o = o;
    this.stalled = o.stalled;
    o.res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    o.res.flushHeaders();
    o.res.on('close', () => this.close());
    this.timers.push(setTimeout(() => this.end(), o.timeoutMs));
    if (o.bookmark() !== undefined) {
      const t = setInterval(() => this.sendBookmark(), o.bookmarkIntervalMs);
      this.timers.push(t);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private write(ev: WatchEvent): void {
    if (!this.closed) this.o.res.write(`${JSON.stringify(ev)}\n`);
  }

  /** Queue an event; order is kept even when rendering is asynchronous. */
  push(type: WatchEvent['type'], obj: Obj, raw = false): void {
    const job = async (): Promise<void> => {
      const object = raw ? obj : await this.o.render(obj);
      this.write({ type, object });
    };
    if (this.stalled) this.held.push(job);
    else this.enqueue(job);
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(job).catch((e: unknown) => {
      this.write({
        type: 'ERROR',
        object: statusBody(500, `Internal error occurred: ${(e as Error).message}`),
      });
    });
  }

  sendBookmark(): void {
    const b = this.o.bookmark();
    if (b) this.push('BOOKMARK', b, true);
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    const jobs = this.held;
    this.held = [];
    for (const j of jobs) this.enqueue(j);
  }

  /** 200 stream already started: the 410 ERROR line, then the end. */
  expire(): void {
    this.chain = this.chain.then(() => {
      this.write({ type: 'ERROR', object: statusBody(410, WATCH_TOO_OLD, 'Expired') });
      this.end();
    });
  }

  /** Clean end of the response (like a server-side timeout). */
  end(): void {
    if (this.closed) return;
    void this.chain.then(() => {
      if (!this.o.res.writableEnded) this.o.res.end();
      this.close();
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.o.onClose();
  }
}
