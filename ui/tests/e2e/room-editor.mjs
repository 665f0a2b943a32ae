// Reading and driving the room editor in a browser page, for the browser tests: the objects
// as the editor labels them, where a cell is on the page, a free spot, and a drag from the
// palette.

/** Each object's cell rectangle, read from the editor's own labels. */
export async function objects(page) {
  return page.$$eval('[data-object-id]', (els) =>
    els.map((el) => {
      const m = el.getAttribute('aria-label').match(/at (-?\d+), (-?\d+), (\d+) by (\d+)$/);
      const name = el.getAttribute('aria-label').replace(/ at -?\d+, -?\d+, \d+ by \d+$/, '');
      return { id: el.dataset.objectId, name, x: +m[1], y: +m[2], w: +m[3], h: +m[4], solid: !el.classList.contains('see-through') };
    }),
  );
}

/** The page position of the centre of a cell (the editor may be zoomed to fit). */
export async function cellPoint(page, x, y) {
  const box = await page.locator('.canvas').boundingBox();
  const [cw, ch] = [box.width / 64, box.height / 16];
  return { x: box.x + (x + 0.5) * cw, y: box.y + (y + 0.5) * ch };
}

export function overlaps(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** A free spot for `o` (ignoring itself), scanning the 64x16 grid. */
export function freeSpotFor(o, all) {
  for (let y = 0; y + o.h <= 16; y++) {
    for (let x = 0; x + o.w <= 64; x++) {
      const r = { x, y, w: o.w, h: o.h };
      if ((x !== o.x || y !== o.y) && all.every((p) => p.id === o.id || !overlaps(r, p))) return r;
    }
  }
  throw new Error('no free spot');
}

/** Finds a 1x1 catalogue item by `search`, drags it to the first free cell and waits for it. */
export async function placeFromPalette(page, search, itemId, before) {
  const free = freeSpotFor({ id: '', x: -1, y: -1, w: 1, h: 1 }, before);
  await page.getByLabel('Search objects').fill(search);
  const item = await page.locator(`.palette-item[data-item="${itemId}"]`).boundingBox();
  const to = await cellPoint(page, free.x, free.y);
  await page.mouse.move(item.x + 10, item.y + 10);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.locator('[data-testid="ghost"].valid').waitFor({ timeout: 5000 });
  await page.mouse.up();
  await page.waitForFunction((n) => document.querySelectorAll('[data-object-id]').length === n + 1, before.length);
  await page.getByLabel('Search objects').fill('');
}
