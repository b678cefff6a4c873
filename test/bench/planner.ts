// The replica planner's figures come from its own benchmark (hack/bench-planner.ts, another file's owner),
// read here from bench/results/planner.json so that BENCHMARKS.md shows them next to the others.
import { readResult, RESULTS_DIR } from './lib.js';

export interface PlannerTiming {
  plansPerSecond: number;
  meanMicros: number;
  bestBatchMicros: number;
  medianBatchMicros: number;
}

export interface BatchTiming {
  medianBatchMicros: number;
  bestBatchMicros: number;
}

export interface PlannerFile {
  benchmark: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; loadAverage?: number[]; loadAverageAtStart?: number[]; loadAverageAtEnd?: number[] };
  node: string;
  method?: Record<string, unknown>;
  results: Array<{
    clusters: number;
    totalReplicas: number;
    planner: PlannerTiming;
    reference: PlannerTiming;
    speedup: number;
    /** The planner without the reference planner's batches in between. */
    plannerAlone?: BatchTiming;
    /** Reading the input records and writing the plan record only: what no implementation can go below. */
    recordFloor?: BatchTiming;
    /** plannerAlone over recordFloor (median batches). */
    overFloor?: number;
  }>;
}

export function readPlanner(dir = RESULTS_DIR): PlannerFile | undefined {
  return readResult<PlannerFile>(dir, 'planner');
}
