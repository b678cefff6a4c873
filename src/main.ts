#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc
// Entry point of the kubefed-ts controller-manager (the package's `controller-manager` bin and the image's
// entry). It puts the lean loader in place first (kube/lean-loader.ts: ~40 MiB less resident memory), then
// loads the controller-manager itself (controller-manager-main.ts).
import { registerLeanLoader } from './kube/lean-loader.js';

registerLeanLoader();
await import('./controller-manager-main.js');
