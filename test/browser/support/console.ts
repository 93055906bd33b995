import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { DemoUser, LocalEndpoints } from '@leadrelay/local';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type CloudProcess, repoRoot, startCloudProcess } from '../../e2e/support/local-cloud-process';

export { api, waitFor } from '../../e2e/support/local-cloud-process';

/** Where the screenshots go (kept by CI as artifacts): .test-results/screens/<name>-<width>.png */
export const screensDir = join(repoRoot, '.test-results', 'screens');
export const WIDTHS = [1280, 390] as const;

export interface ConsoleHarness {
  cloud: CloudProcess;
  endpoints: LocalEndpoints;
  browser: Browser;
  /** The console's URL (`<api>/console/`). */
  url: string;
  /** The demo supplier's admin, or a demo partner's admin by the partner's name. */
  person(of: 'supplier' | string): DemoUser;
  /** A new browser context (its own session storage) with a page at the console, 1280 px wide. */
  newPage(options?: { width?: number }): Promise<{ context: BrowserContext; page: Page }>;
  /** Fills in the sign-in form and waits for the first screen's heading. */
  signIn(page: Page, who: { email: string; password: string }): Promise<void>;
  /**
   * axe-core on the page as it is: every serious or critical violation, as text, is added to
   * `violations` (the test asserts it stays empty) — named by `screen`.
   */
  axe(page: Page, screen: string): Promise<void>;
  violations: string[];
  /** The page at 1280 and at 390 px wide (full page), then back to the width it had. */
  screenshots(page: Page, name: string): Promise<void>;
  /** At each width: axe (as `axe` does) and the screenshot. What every screen's test calls. */
  look(page: Page, name: string): Promise<void>;
  /** Page errors and CSP violations the browser reported (a test asserts none). */
  browserErrors: string[];
  stop(): Promise<void>;
}

/**
 * The console as a new user meets it: `npm start` (the local cloud, the console built and
 * served by its API server with the CSP CloudFront sends), Debian's Chromium through
 * playwright-core, and the demo people it printed.
 */
export async function startConsole(name: string): Promise<ConsoleHarness> {
  const home = await mkdtemp(join(tmpdir(), `leadrelay-console-${name}-`));
  const cloud = await startCloudProcess(home);
  const endpoints = cloud.endpoints;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  await mkdir(screensDir, { recursive: true });
  const url = `${endpoints.api}/console/`;
  const violations: string[] = [];
  const browserErrors: string[] = [];
  const contexts: BrowserContext[] = [];

  const harness: ConsoleHarness = {
    cloud,
    endpoints,
    browser,
    url,
    violations,
    browserErrors,
    person(of) {
      const found = endpoints.demo?.users.find((u) => u.of === of);
      if (!found) throw new Error(`no demo person of ${of}`);
      return found;
    },
    async newPage(options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1280, height: 900 },
        acceptDownloads: true,
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => browserErrors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) {
          browserErrors.push(`csp: ${message.text()}`);
        }
      });
      await page.goto(url);
      return { context, page };
    },
    async signIn(page, who) {
      const form = page.getByRole('form', { name: 'Sign in' });
      await form.getByLabel('Email').fill(who.email);
      await form.getByLabel('Password').fill(who.password);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
    },
    async axe(page, screen) {
      const results = await new AxeBuilder({ page }).analyze();
      for (const v of results.violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') continue;
        const where = v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ');
        violations.push(`${screen}: ${v.id} (${v.impact}) ${v.help} at ${where}`);
      }
    },
    async screenshots(page, shot) {
      const before = page.viewportSize() ?? { width: 1280, height: 900 };
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: join(screensDir, `${shot}-${width}.png`), fullPage: true });
      }
      await page.setViewportSize(before);
    },
    async look(page, shot) {
      const before = page.viewportSize() ?? { width: 1280, height: 900 };
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await harness.axe(page, `${shot}@${width}`);
        await page.screenshot({ path: join(screensDir, `${shot}-${width}.png`), fullPage: true });
      }
      await page.setViewportSize(before);
    },
    async stop() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await cloud.kill();
      await rm(home, { recursive: true, force: true });
    },
  };
  return harness;
}
