import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { contactsToHooks } from './contacts-to-hooks.js';
import { eventually } from './eventually.js';
import { openUiInBrowser } from './open-ui-in-browser.js';

// The functions given to page.evaluate run in the browser. The root typecheck has no DOM library (the engine must not
// see browser globals), so this module names the few it uses, for itself only.
interface PageElement {
  parentElement: PageElement | null;
  textContent: string | null;
  offsetParent: unknown;
  tagName: string;
  className: string;
  getBoundingClientRect(): { right: number };
}
declare const document: {
  documentElement: PageElement & { scrollWidth: number };
  body: PageElement;
  activeElement: unknown;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};
declare function getComputedStyle(element: PageElement): { color: string; backgroundColor: string; overflowX: string };
declare const HTMLElement: abstract new () => PageElement;
type Element = PageElement;

const ui = openUiInBrowser(
  contactsToHooks({
    sync: 'contacts_to_hooks_with_a_long_name_that_does_not_fit_a_phone',
    sql: 'select id, name, email, email as backup_email, name as display_name_for_the_crm from contacts order by id',
    contacts: [
      [1, 'Ada Lovelace', 'ada.lovelace.countess.of.lovelace@example.com'],
      [2, 'Grace Hopper', 'grace.brewster.murray.hopper@example.com'],
    ],
  }),
);
let runId: string;

beforeAll(async () => {
  const { sandbox, server } = ui;
  // One finished run, so the sync page lists it and the run page has something to show.
  sandbox.faults({ status: 422, count: 1, path: '/hooks/contacts/2', body: { error: 'email domain is blocked' } });
  const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  const started = await fetch(`${server.url}/api/syncs/contacts_to_hooks_with_a_long_name_that_does_not_fit_a_phone/runs`, { method: 'POST', headers: auth, body: '{}' });
  expect(started.status).toBe(202);
  runId = ((await started.json()) as { runId: string }).runId;
  let status = 'queued';
  for (let waited = 0; waited < 10_000 && (status === 'queued' || status === 'running'); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = ((await (await fetch(`${server.url}/api/runs/${runId}`, { headers: auth })).json()) as { status: string }).status;
  }
  expect({ status, run: await (await fetch(`${server.url}/api/runs/${runId}`, { headers: auth })).text() }).toMatchObject({ status: 'succeeded' });
});

const pages = () => [
  { name: 'connections', path: '/connections', ready: 'warehouse' },
  { name: 'connectors', path: '/connectors', ready: 'hooks' },
  { name: 'syncs', path: '/syncs', ready: 'warehouse' },
  { name: 'sync', path: '/syncs/contacts_to_hooks_with_a_long_name_that_does_not_fit_a_phone', ready: 'grace.brewster.murray.hopper@example.com' },
  { name: 'run', path: `/runs/${runId}`, ready: 'email domain is blocked' },
  { name: 'connector-builder', path: '/connectors/hooks', ready: 'update_contact' },
];

/**
 * The lowest WCAG 2.1 contrast ratio among the visible elements matching the selector, computed in the page from
 * getComputedStyle: the text colour against the first opaque background of the element or an ancestor.
 */
async function lowestContrast(page: Page, selector: string): Promise<{ ratio: number; element: string; count: number }> {
  return page.evaluate((sel) => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const channel = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r = 0, g = 0, b = 0]: number[]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const background = (el: Element | null): number[] => {
      for (let at = el; at; at = at.parentElement) {
        const c = rgb(getComputedStyle(at).backgroundColor);
        if (c.length === 3 || (c[3] ?? 0) >= 1) return c;
      }
      return [255, 255, 255];
    };
    let lowest = { ratio: Infinity, element: '', count: 0 };
    for (const el of Array.from(document.querySelectorAll(sel))) {
      if (!(el instanceof HTMLElement) || el.offsetParent === null || !el.textContent?.trim()) continue;
      const a = luminance(rgb(getComputedStyle(el).color));
      const b = luminance(background(el));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      lowest.count++;
      if (ratio < lowest.ratio) lowest = { ratio, element: `${sel}: ${el.textContent.trim().slice(0, 40)}`, count: lowest.count };
    }
    return lowest;
  }, selector);
}

async function open(page: Page, path: string, ready: string) {
  await page.goto(`${ui.server.url}${path}?token=${ui.server.token}`);
  await eventually(() => page.locator('main').textContent()).toContain(ready);
}

describe('the web UI on a phone', () => {
  it('fits every page into 390 px: no sideways scrolling of the page; wide tables scroll in their own box', async () => {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const p of pages()) {
      await open(page, p.path, p.ready);
      const width = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        // the elements that stick out of the page (not those scrolling inside their own box), to say what to fix
        outside: Array.from(document.querySelectorAll('body *'))
          .filter((el) => el.getBoundingClientRect().right > 390.5)
          .filter((el) => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) if (getComputedStyle(up).overflowX !== 'visible') return false;
            return true;
          })
          .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
          .slice(0, 5),
      }));
      expect({ page: p.name, ...width }).toEqual({ page: p.name, scrollWidth: 390, outside: [] });
      await ui.browser.screenshot(`phone-${p.name}`);
    }
  });

  it('collapses the sidebar into a top bar whose menu button opens the navigation', async () => {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await open(page, '/syncs', 'warehouse');
    const menu = page.getByRole('button', { name: 'Menu' });
    const connectors = page.getByTestId('nav-connectors');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await connectors.isVisible()).toBe(false);
    // The top bar stays small: the page starts right under it.
    expect((await page.locator('nav.sidebar').boundingBox())?.height).toBeLessThan(80);

    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    expect(await connectors.isVisible()).toBe(true);
    await ui.browser.screenshot('phone-menu-open');
    await connectors.click();
    await eventually(() => page.locator('main').textContent()).toContain('hooks');
    expect(new URL(page.url()).pathname).toBe('/connectors');
    // Following a link closes the menu.
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await connectors.isVisible()).toBe(false);

    // On a wide screen there is no menu button: the sidebar shows the navigation.
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await menu.isVisible()).toBe(false);
    expect(await connectors.isVisible()).toBe(true);
  });
});

describe('dark mode and contrast', () => {
  it('follows prefers-color-scheme: a dark page in dark mode, a light one otherwise', async () => {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 1440, height: 900 });
    const bodyLuminance = () =>
      page.evaluate(() => {
        const [r = 0, g = 0, b = 0] = (getComputedStyle(document.documentElement).backgroundColor.match(/[\d.]+/g) ?? []).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      });
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page, '/syncs', 'warehouse');
    expect(await bodyLuminance()).toBeLessThan(0.15);
    await ui.browser.screenshot('dark-syncs');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await bodyLuminance()).toBeGreaterThan(0.85);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`keeps badges, table headers, muted text, links and buttons at 4.5:1 or more (${scheme})`, async () => {
      const { page } = ui.browser;
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      const seen = new Set<string>();
      for (const p of pages()) {
        await open(page, p.path, p.ready);
        if (p.name === 'run') await ui.browser.screenshot(`${scheme}-run`);
        for (const selector of ['.badge', '.table th', '.muted', 'main a', 'button', '.tab', '.error-box', '.notice']) {
          const lowest = await lowestContrast(page, selector);
          if (lowest.count > 0) seen.add(selector);
          expect({ page: p.name, element: lowest.element, ok: lowest.ratio >= 4.5 }).toEqual({ page: p.name, element: lowest.element, ok: true });
        }
      }
      // Every kind of element was measured somewhere, so the check cannot pass by finding nothing.
      expect([...seen].sort()).toEqual(expect.arrayContaining(['.badge', '.muted', '.table th', 'button', 'main a', '.tab']));
    });
  }
});

describe('the connector builder on a desktop', () => {
  /** The hooks connector in the builder, at a desktop's width. */
  async function openBuilder(): Promise<Page> {
    const { page } = ui.browser;
    await page.setViewportSize({ width: 1440, height: 900 });
    await open(page, '/connectors/hooks', 'update_contact');
    return page;
  }

  it('shows the endpoints as a tablist: the selected tab controls the endpoint form, arrow keys move between endpoints', async () => {
    const page = await openBuilder();
    const tablist = page.getByRole('tablist', { name: 'Endpoints' });
    const add = tablist.getByRole('tab', { name: 'add_contact' });
    const update = tablist.getByRole('tab', { name: 'update_contact' });
    expect(await tablist.getByRole('tab').count()).toBe(2);
    expect(await add.getAttribute('aria-selected')).toBe('true');
    expect(await update.getAttribute('aria-selected')).toBe('false');
    // Only the selected tab is in the Tab order.
    expect([await add.getAttribute('tabindex'), await update.getAttribute('tabindex')]).toEqual(['0', '-1']);
    const panel = page.getByRole('tabpanel', { name: 'add_contact' });
    expect(await add.getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));
    expect(await panel.locator('select[name=method]').first().inputValue()).toBe('POST');

    await add.focus();
    await page.keyboard.press('ArrowRight');
    await eventually(() => update.getAttribute('aria-selected')).toBe('true');
    expect(await update.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByRole('tabpanel', { name: 'update_contact' }).locator('select[name=method]').first().inputValue()).toBe('PATCH');
    await page.keyboard.press('ArrowRight'); // wraps around
    await eventually(() => add.getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    await eventually(() => update.getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    await eventually(() => add.getAttribute('aria-selected')).toBe('true');
  });

  it('switches Form and YAML with a pair of toggle buttons, not a tablist: the pressed one says which view shows', async () => {
    const page = await openBuilder();
    const view = page.getByRole('group', { name: 'View' });
    const form = view.getByRole('button', { name: 'Form', exact: true });
    const yaml = view.getByRole('button', { name: 'YAML', exact: true });
    expect([await form.getAttribute('aria-pressed'), await yaml.getAttribute('aria-pressed')]).toEqual(['true', 'false']);
    // The only tablist on the page is the endpoint strip, whose tabs control a panel.
    expect(await page.getByRole('tablist').count()).toBe(1);
    expect(await page.getByRole('tablist', { name: 'Endpoints' }).count()).toBe(1);

    await yaml.click();
    await eventually(() => yaml.getAttribute('aria-pressed')).toBe('true');
    expect(await form.getAttribute('aria-pressed')).toBe('false');
    expect(await page.getByTestId('yaml-editor').count()).toBe(1);
  });
});
