// vitest setup file of the integration group: names this test file's capture files after it, and writes
// what they still buffer to disk once its tests are done (the worker may end without an exit handler).
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { flushCaptureFiles, setCaptureLabel } from './log-capture.js';

setCaptureLabel(path.basename(expect.getState().testPath ?? 'unknown'));
afterAll(() => flushCaptureFiles());
