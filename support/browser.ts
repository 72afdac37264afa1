// Real Chromium for the HTML view's tests and benchmark: the Debian package `chromium` (installed by
// tools/provision.sh, which npm test runs), driven by playwright-core, which downloads no browser.
// Callbacks passed to page.evaluate run in the page: the DOM types are for them (the package's own
// build, tsconfig.build.json, still has no DOM).
/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The system browser: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium; a missing browser is an error (tests fail, they never skip). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: npm test runs tools/provision.sh, which installs it (apt-get install chromium)`,
    );
  }
  // As root (CI) Chromium refuses to start with its sandbox.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions. */
  readonly errors: string[];
  /** Every request the page made, by URL (the file itself included). */
  readonly requests: string[];
}

/** A new page that records errors and requests, and blocks any request that is not for a file. */
export async function watchedPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: 1200, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', (route) =>
    route.request().url().startsWith('file:') ? route.continue() : route.abort(),
  );
  return { page, errors, requests };
}

/** Opens a file and waits for the view's first render. */
export async function openView(watched: WatchedPage, url: string): Promise<void> {
  await watched.page.goto(url);
  await watched.page.waitForFunction(() => document.documentElement.dataset.ready !== undefined);
}
