#!/usr/bin/env node
// Entry point of the pull-mode agent (the package's `kubefed-agent` bin). It puts the lean loader in place
// first (kube/lean-loader.ts), then loads the agent itself (agent-main.ts).
import { registerLeanLoader } from '../kube/lean-loader.js';

registerLeanLoader();
await import('./agent-main.js');
