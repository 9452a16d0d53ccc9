// Every part of the manager, in start order (shutdown runs in reverse). One line each.
import type { ComponentFactory } from './component.ts';
import { allocatorComponent } from '../controllers/allocator.ts';
import { poolMetricsComponent } from './pool-metrics.ts';
import { webhookComponent } from '../webhook/component.ts';
import { layer2Component } from '../layer2/speaker/component.ts';
import { bgpControllerComponent } from '../controllers/bgp/component.ts';

export const COMPONENTS: readonly ComponentFactory[] = [
  webhookComponent,
  allocatorComponent,
  poolMetricsComponent,
  bgpControllerComponent,
  layer2Component,
];
