// The transport under GobgpClient: one gRPC channel to gobgpd's unix socket and the four call shapes
// (unary, collected server stream, open server stream, client stream), each with its deadline and
// failures turned into GobgpError. Knows methods only by name; the typed API is client.ts.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../obs/log.ts';
import { OpenelbError } from '../../core/errors.ts';
import { GobgpError, type CallSubject } from './error.ts';
import { gobgpServiceCtor } from './load.ts';

type Callback = (err: grpc.ServiceError | null, res?: unknown) => void;
type UnaryFn = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: Callback,
) => grpc.ClientUnaryCall;
type ServerStreamFn = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
) => grpc.ClientReadableStream<unknown>;
type ClientStreamFn = (
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: Callback,
) => grpc.ClientWritableStream<unknown>;

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // the sidecar restarts in seconds; do not back off to grpc's 2-minute default
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
};

export interface ChannelOptions {
  target: string;
  callTimeoutMs: number;
  streamTimeoutMs: number;
  log: Logger;
}

export class GobgpChannel {
  readonly #opts: ChannelOptions;
  #raw: grpc.Client;
  #closed = false;

  constructor(opts: ChannelOptions) {
    this.#opts = opts;
    this.#raw = this.#open();
  }

  #open(): grpc.Client {
    const Ctor = gobgpServiceCtor();
    return new Ctor(this.#opts.target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  /** Drops the channel and opens a new one (after the socket file was replaced, say). */
  reconnect(): void {
    if (this.#closed) return;
    this.#opts.log.info('reconnecting to gobgpd', { target: this.#opts.target });
    this.#raw.close();
    this.#raw = this.#open();
  }

  close(): void {
    this.#closed = true;
    this.#raw.close();
  }

  /** false while the channel cannot reach the socket (grpc's TRANSIENT_FAILURE) or is shut down. */
  get reachable(): boolean {
    const state = this.#raw.getChannel().getConnectivityState(false);
    return state !== grpc.connectivityState.TRANSIENT_FAILURE && state !== grpc.connectivityState.SHUTDOWN;
  }

  /** Waits until the channel is connected (the socket answers), or rejects after timeoutMs. */
  waitConnected(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#raw.waitForReady(Date.now() + timeoutMs, (err) =>
        err
          ? reject(
              new GobgpError('connect', {
                code: grpc.status.UNAVAILABLE,
                details: `${this.#opts.target}: ${err.message}`,
              }),
            )
          : resolve(),
      );
    });
  }

  #method<T>(method: string): T {
    const f = (this.#raw as unknown as Record<string, unknown>)[method];
    if (typeof f !== 'function')
      throw new OpenelbError('OE_GOBGP_PROTO', `gobgp method ${method} not in proto/`, {
        context: { method },
      });
    return (f as (...a: unknown[]) => unknown).bind(this.#raw) as T;
  }

  unary<Res>(method: string, req: object, subject?: CallSubject): Promise<Res> {
    const call = this.#method<UnaryFn>(method);
    return new Promise((resolve, reject) => {
      call(req, new grpc.Metadata(), { deadline: Date.now() + this.#opts.callTimeoutMs }, (err, res) =>
        err ? reject(new GobgpError(method, err, subject)) : resolve(res as Res),
      );
    });
  }

  /** A server stream read to its end. */
  collect<Res>(method: string, req: object): Promise<Res[]> {
    const call = this.#method<ServerStreamFn>(method);
    return new Promise((resolve, reject) => {
      const out: Res[] = [];
      const stream = call(req, new grpc.Metadata(), { deadline: Date.now() + this.#opts.streamTimeoutMs });
      stream.on('data', (m: unknown) => out.push(m as Res));
      stream.on('error', (err: grpc.ServiceError) => reject(new GobgpError(method, err)));
      stream.on('end', () => resolve(out));
    });
  }

  /** A server stream without a deadline, for watches. */
  open(method: string, req: object): grpc.ClientReadableStream<unknown> {
    return this.#method<ServerStreamFn>(method)(req, new grpc.Metadata(), {});
  }

  /** A client stream: `write` sends the messages (honouring backpressure), then the call's answer. */
  async send(method: string, messages: Iterable<object>, subject?: CallSubject): Promise<void> {
    const call = this.#method<ClientStreamFn>(method);
    await new Promise<void>((resolve, reject) => {
      const stream = call(
        new grpc.Metadata(),
        { deadline: Date.now() + this.#opts.streamTimeoutMs },
        (err) => (err ? reject(new GobgpError(method, err, subject)) : resolve()),
      );
      const writeAll = async () => {
        for (const m of messages) {
          const ok = stream.write(m);
          if (!ok) await new Promise((r) => stream.once('drain', r));
        }
        stream.end();
      };
      writeAll().catch(reject);
    });
  }
}
