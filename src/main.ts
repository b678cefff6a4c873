#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=50 --expose-gc
// Entry point of the kubefed-ts controller-manager (the package's `controller-manager` bin and the image's
// entry). The shipped dist/main.js is this bundled into one file (hack/lib/bundle.ts says why).
import './controller-manager-main.js';
