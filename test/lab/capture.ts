import { readFile } from 'node:fs/promises';
import { Proc } from './proc.ts';
import { framesOf, readPcap, type Frame } from './pcap.ts';

// tcpdump -w into the lab's run dir, started as a direct child; stop() flushes and parses the file.

export class Capture {
  readonly file: string;
  private readonly proc: Proc;

  private constructor(proc: Proc, file: string) {
    this.proc = proc;
    this.file = file;
  }

  /** Starts capturing on dev in ns and resolves once tcpdump is listening. filter is a BPF expression. */
  static async start(ns: string, dev: string, file: string, filter = ''): Promise<Capture> {
    // -Z root: tcpdump would otherwise drop to user tcpdump and fail to write into a root-owned dir
    const argv = [
      'tcpdump',
      '-i',
      dev,
      '-w',
      file,
      '-U',
      '-n',
      '-Z',
      'root',
      '--immediate-mode',
      ...(filter ? filter.split(/\s+/) : []),
    ];
    const proc = new Proc(ns, argv, { name: `tcpdump@${ns}/${dev}` });
    await proc.waitForOutput(/listening on/, 10_000);
    return new Capture(proc, file);
  }

  get pid(): number {
    return this.proc.pid;
  }

  process(): Proc {
    return this.proc;
  }

  /** Stops tcpdump (SIGINT flushes the file) and returns the decoded frames. */
  async stop(): Promise<Frame[]> {
    await this.proc.stop('SIGINT', 3000);
    return framesOf(readPcap(await readFile(this.file)));
  }
}
