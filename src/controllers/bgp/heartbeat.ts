// The heartbeat the manager keeps in the emptyDir it shares with gobgpd. gobgpd's liveness probe
// fails when the file is stale, so a manager gone for good cannot leave routes announced.
// Each manager instance also keeps a marker `<file>.d/<instance>`: a manager that is draining looks
// for a fresh marker of an instance that started AFTER it (its replacement, attached to the same
// gobgpd) and then hands the paths over instead of withdrawing them. The emptyDir outlives a
// container restart, so the marker of an earlier instance of the same container (crashed, or
// killed) is there too: it started before us and is never taken for a successor, however fresh.
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Timer } from '../../core/timer.ts';
import type { Logger } from '../../obs/log.ts';

export class Heartbeat {
  readonly file: string;
  readonly instance: string;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private readonly timer = new Timer(() => {
    this.timer.restart(this.intervalMs);
    void this.beat();
  });
  /** wall-clock start of this instance (ms), written into the marker so others can order us */
  readonly startedAt: number;
  lastBeat = 0;

  constructor(file: string, intervalMs: number, instance: string, log: Logger) {
    this.file = file;
    this.intervalMs = intervalMs;
    this.instance = instance;
    this.log = log;
    this.startedAt = Date.now();
  }

  private get markerDir(): string {
    return `${this.file}.d`;
  }

  /** Touches the file now (resolves once written) and then every interval. */
  async start(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await mkdir(this.markerDir, { recursive: true });
    await this.removeStale();
    await this.beat();
    this.timer.restart(this.intervalMs);
  }

  async beat(): Promise<void> {
    const text = `${this.instance} ${new Date().toISOString()} started=${this.startedAt}\n`;
    try {
      await writeFile(this.file, text);
      await this.touchMarker(text);
      this.lastBeat = Date.now();
    } catch (err) {
      this.log.error('heartbeat write failed', { file: this.file, error: (err as Error).message });
    }
  }

  /**
   * The marker's content (its start time) never changes, so a beat only moves its mtime: a reader
   * must never catch it truncated mid-rewrite (it would lose the start time and miss a live
   * successor). It is created whole, through a rename.
   */
  private async touchMarker(text: string): Promise<void> {
    const path = join(this.markerDir, basename(this.instance));
    const now = new Date();
    try {
      await utimes(path, now, now);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const tmp = join(this.markerDir, `.${basename(this.instance)}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, path);
  }

  /**
   * A successor is attached: an instance that started after this one and has beaten within
   * `withinMs` (default 2 intervals + 1 s). Earlier instances (a crashed predecessor's marker left
   * in the emptyDir) never count.
   */
  async otherInstanceAlive(withinMs = 2 * this.intervalMs + 1000): Promise<string | undefined> {
    const now = Date.now();
    for (const m of await this.markers()) {
      if (m.name === basename(this.instance)) continue;
      if (m.startedAt === undefined || m.startedAt <= this.startedAt) continue;
      if (now - m.mtimeMs <= withinMs) return m.name;
    }
    return undefined;
  }

  /** Markers of instances that stopped beating long ago (crashed, SIGKILLed) are removed on start. */
  private async removeStale(olderThanMs = 10 * this.intervalMs + 10_000): Promise<void> {
    const now = Date.now();
    for (const m of await this.markers()) {
      if (now - m.mtimeMs > olderThanMs)
        await rm(join(this.markerDir, m.name), { force: true }).catch(() => undefined);
    }
  }

  private async markers(): Promise<{ name: string; mtimeMs: number; startedAt: number | undefined }[]> {
    let names: string[];
    try {
      names = await readdir(this.markerDir);
    } catch {
      return [];
    }
    const out: { name: string; mtimeMs: number; startedAt: number | undefined }[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue; // a marker being created
      try {
        const path = join(this.markerDir, name);
        const s = await stat(path);
        const started = /started=(\d+)/.exec(await readFile(path, 'utf8'))?.[1];
        out.push({
          name,
          mtimeMs: s.mtimeMs,
          startedAt: started === undefined ? undefined : Number(started),
        });
      } catch {
        // removed meanwhile
      }
    }
    return out;
  }

  /** Stops beating and removes this instance's marker (the shared file stays: the successor owns it). */
  async stop(): Promise<void> {
    this.timer.cancel();
    await rm(join(this.markerDir, basename(this.instance)), { force: true });
  }
}
