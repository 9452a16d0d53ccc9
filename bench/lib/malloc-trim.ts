// Diagnosis: glibc's malloc_trim(0) called inside a running process through gdb, to see how much of
// its malloc growth is free memory glibc kept rather than memory in use.
import { spawn } from 'node:child_process';

/** Resolves when gdb has detached again (whatever it answered). */
export function mallocTrim(pid: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const g = spawn('gdb', ['-p', String(pid), '-batch', '-ex', 'call (int)malloc_trim(0)'], {
      stdio: 'ignore',
    });
    g.once('exit', () => resolve());
  });
}
