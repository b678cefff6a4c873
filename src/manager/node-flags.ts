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
// --heap-growing-percent=50: after each full GC V8 lets the old generation grow by a factor it picks from how
// fast GC was, up to 4× the live heap where the heap limit is large (a machine with this much memory), so a burst (enabling a type over 1,000 objects, or the
// live creates after it) ran the process up to ~160 MiB while ~60 MiB was live. A fixed 1.5× means a few more,
// small full GCs during a burst. Measured (1,000 FederatedConfigMaps → 2 members, 3 runs each, interleaved):
// peak RSS 155–160 → 110–111 MiB, controller CPU per unit of API-server work unchanged (0.28–0.29 either way).
// `--optimize-for-size` reached 102 MiB but cost ~15 % more controller CPU. A V8 flag Node takes on its command
// line only, not in NODE_OPTIONS.
//
// --expose-gc: heap-compaction.ts compacts the heap after a burst of work (V8 keeps the old generation sized
// for the burst otherwise).
export const CONTROLLER_MANAGER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=50', '--expose-gc'];
