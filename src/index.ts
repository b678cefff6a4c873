// The kubefed-ts package: API types and schemas, and the building blocks of the controller-manager.
export * from './api/index.js';
export { ControllerManager, type ControllerManagerOptions } from './manager/controller-manager.js';
export { loadKubeFedConfig, type RuntimeConfig } from './manager/config.js';
export {
  planReplicas,
  PlannerInputError,
  type PlanReplicasInput,
  type ReplicaPlan,
  type ClusterReplicaPreferences,
} from './scheduling/planner.js';
