/** Debian's Chromium for the browser tests and the web benchmark: where it is, and a headless launch. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium; `who` names the caller in the error when it is not installed. */
export async function launchChromium(who: string): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${who}: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
