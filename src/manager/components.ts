// Every part of the manager, in start order (shutdown runs in reverse). One line each.
import type { ComponentFactory } from './component.ts';

export const COMPONENTS: readonly ComponentFactory[] = [
];
