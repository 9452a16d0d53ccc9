// The heartbeat the manager keeps in the emptyDir it shares with gobgpd. gobgpd's liveness probe
// fails when the file is stale, so a manager gone for good cannot leave routes announced.
// Each manager instance also keeps a marker `<file>.d/<instance>`: a manager that is draining looks
// for a fresh marker of ANOTHER instance (its replacement, attached to the same gobgpd) and then
// hands the paths over instead of withdrawing them.
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../obs/log.ts';

export class Heartbeat {
  readonly file: string;
  readonly instance: string;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  lastBeat = 0;

  constructor(file: string, intervalMs: number, instance: string, log: Logger) {
    this.file = file;
    this.intervalMs = intervalMs;
    this.instance = instance;
    this.log = log;
  }

  private get markerDir(): string {
    return `${this.file}.d`;
  }

  /** Touches the file now (resolves once written) and then every interval. */
  async start(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await mkdir(this.markerDir, { recursive: true });
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref?.();
  }

  async beat(): Promise<void> {
    const text = `${this.instance} ${new Date().toISOString()}\n`;
    try {
      await writeFile(this.file, text);
      await writeFile(join(this.markerDir, basename(this.instance)), text);
      this.lastBeat = Date.now();
    } catch (err) {
      this.log.error('heartbeat write failed', { file: this.file, error: (err as Error).message });
    }
  }

  /** Another instance has beaten within `withinMs` (default 2 intervals + 1 s): a successor is attached. */
  async otherInstanceAlive(withinMs = 2 * this.intervalMs + 1000): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(this.markerDir);
    } catch {
      return undefined;
    }
    const now = Date.now();
    for (const n of names) {
      if (n === basename(this.instance)) continue;
      try {
        const s = await stat(join(this.markerDir, n));
        if (now - s.mtimeMs <= withinMs) return n;
      } catch {
        // removed meanwhile
      }
    }
    return undefined;
  }

  /** Stops beating and removes this instance's marker (the shared file stays: the successor owns it). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await rm(join(this.markerDir, basename(this.instance)), { force: true });
  }
}
