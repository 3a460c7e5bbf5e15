import { batchJobCases } from './batch-jobs.js';
import type { AlertCase } from './types.js';

export const alertCases: readonly AlertCase[] = [...batchJobCases];
