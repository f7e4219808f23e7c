// How the inspector's browser tests and its screenshot script start Debian's
// Chromium: headless, and kept off the network (the machines have none, and
// Chromium otherwise tries to reach its update and sync servers).
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
