// TEST ONLY. When OPENELB_TEST_PAUSE_AFTER_EIP_WRITE names a file and that file exists, the allocator
// removes it and stops itself with SIGSTOP right after an Eip status write, before the Service write
// that follows — the race test freezes a manager exactly between its two writes. Unset in production.
import { existsSync, unlinkSync } from 'node:fs';

const PAUSE_FILE = process.env['OPENELB_TEST_PAUSE_AFTER_EIP_WRITE'];

export function pauseAfterEipWriteIfAsked(): void {
  if (!PAUSE_FILE || !existsSync(PAUSE_FILE)) return;
  try {
    unlinkSync(PAUSE_FILE);
  } catch {
    return;
  }
  process.kill(process.pid, 'SIGSTOP');
}
