// Debian's chromium driven by playwright-core (Playwright's own browser download does not work on
// these machines; ../shared/TESTING.md). Each launch gets a fresh, empty profile (Playwright makes
// one per launch and refuses a --user-data-dir flag); the flags keep Chromium from calling
// Google's services, which this machine's closed network refuses.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the console for review: test-output/screenshots/<name>.png (not committed). */
const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'screenshots');

export interface Chromium {
  browser: Browser;
  /** A new browser context (own cookies) in the given console language. */
  page(lang?: 'en' | 'zh'): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async page(lang = 'en') {
      const context = await browser.newContext({ locale: lang === 'zh' ? 'zh-CN' : 'en-US', viewport: { width: 1366, height: 900 } });
      // The console remembers the language in localStorage; start every context in the asked one.
      await context.addInitScript({ content: `localStorage.setItem('wecom-sync.lang', ${JSON.stringify(lang)});` });
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      await browser.close();
    },
  };
}

/** Saves a full-page screenshot for review; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
