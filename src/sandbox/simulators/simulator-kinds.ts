import { cloudmcSimulator } from './cloudmc/cloudmc.simulator';
import type { SimulatorDefinition } from './common/simulator';

/** One simulator per provider kind the sandbox runs. */
export const SIMULATORS: readonly SimulatorDefinition[] = [cloudmcSimulator];
