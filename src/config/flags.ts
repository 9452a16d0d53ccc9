// The one table of the manager's flags, in --help order. Parsing, environment fallback, defaults and
// the help text all come from it.
import { COMPONENTS_FLAGS } from './flags-components.ts';
import { LAYER2_FLAGS } from './flags-layer2.ts';
import { PROCESS_FLAGS } from './flags-process.ts';
import type { FlagDef } from './types.ts';

export const FLAGS: readonly FlagDef[] = [...PROCESS_FLAGS, ...COMPONENTS_FLAGS, ...LAYER2_FLAGS];
