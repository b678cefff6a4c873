// The V8 flags the controller-manager runs with, wherever it is launched: the image's entry point
// (Dockerfile), the package's bin (the shebang of src/main.ts) and the memory benchmark's child process. A unit
// test keeps the three alike.
//
// --max-semi-space-size=2 (MiB): V8 grows the young generation up to 16 MiB per semi-space under a steady
// allocation rate (every watch event and reconcile allocates), and that is ~32 MiB resident that holds only
// garbage between scavenges: a fifth of the process at 10,000 federated objects. Smaller semi-spaces mean more,
// shorter scavenges and more short-lived objects promoted to the old generation (which heap-compaction.ts
// collects). Measured: idle RSS 96 MiB instead of 106; the CPU cost was not measured side by side.
//
// --expose-gc: heap-compaction.ts compacts the heap after a burst of work (V8 keeps the old generation sized
// for the burst otherwise).
export const CONTROLLER_MANAGER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--expose-gc'];
