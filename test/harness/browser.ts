// A real headless Chromium (Debian's package) driven by playwright-core, for tests of the status page.
// Each launch gets a fresh profile folder, removed on close. Without the background-networking flags
// Chromium tries to reach Google's services at start, which fails on this network and stalls it.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { captureDir } from './log-capture.js';

export const CHROMIUM_PATH = process.env.KUBEFED_TEST_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: install Debian's 'chromium' package (hack/test.sh does when run as root)`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport,
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go: a sub-folder of the test log folder (kept when a run fails), else a temp folder. */
export async function screenshotDir(name: string): Promise<string> {
  const dir = path.join(captureDir() ?? os.tmpdir(), 'screenshots', name);
  await mkdir(dir, { recursive: true });
  return dir;
}
