// Preload for the memory probe (`--node-flag=--import=<this file>`): runs the manager with the memory
// trimmer on, without changing src/main.ts, so its effect can be measured before it is wired in.
import { startMemoryTrimmer } from '../../src/obs/memory-trim.ts';

startMemoryTrimmer();
