import { cloudmcSimulator } from './cloudmc/cloudmc.simulator';
import { cloudsigmaSimulator } from './cloudsigma/cloudsigma.simulator';
import { dcimanagerSimulator } from './dcimanager/dcimanager.simulator';
import { imcoSimulator } from './imco/imco.simulator';
import type { SimulatorDefinition } from './common/simulator';

/** One simulator per provider kind the sandbox runs. */
export const SIMULATORS: readonly SimulatorDefinition[] = [
  cloudmcSimulator,
  cloudsigmaSimulator,
  dcimanagerSimulator,
  imcoSimulator,
];
