import type { ConformanceDriver } from '../driver';
import { cloudmcDriver } from './cloudmc';
import { cloudsigmaDriver } from './cloudsigma';
import { dcimanagerDriver } from './dcimanager';
import { imcoDriver } from './imco';

/** One driver per provider kind; the suite runs every case against each. */
export const DRIVERS: readonly ConformanceDriver[] = [
  cloudmcDriver,
  cloudsigmaDriver,
  dcimanagerDriver,
  imcoDriver,
];
