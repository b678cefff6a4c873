#!/usr/bin/env node
// Entry point of the pull-mode agent (the package's `kubefed-agent` bin). The shipped dist/agent/main.js is
// this bundled into one file (hack/lib/bundle.ts says why).
import './agent-main.js';
