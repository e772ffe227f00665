// The page's <video> in the e2e tests: its readiness and time, waiting for a seek, and where a pixel of the recording
// is drawn on the page (object-fit: contain), so an overlay can be checked against the picture under it.
import type { Page } from 'playwright-core';

/** A point in page (CSS pixel) coordinates. */
export interface PagePoint {
  x: number;
  y: number;
}

/** Resolves once the page's <video> has its metadata (readyState ≥ 1). */
export async function videoReady(page: Page, timeout = 90_000): Promise<void> {
  await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1, undefined, { timeout });
}

/** The <video>'s currentTime, s. */
export function videoTime(page: Page): Promise<number> {
  return page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
}

/** Resolves once the <video>'s currentTime is within `tolerance` s of `t`. */
export async function waitForVideoTime(page: Page, t: number, tolerance: number): Promise<void> {
  await page.waitForFunction(
    ({ at, within }) => Math.abs((document.querySelector('video')?.currentTime ?? -1) - at) < within,
    { at: t, within: tolerance },
  );
}

/** Where source pixel (x, y) of a `frame`-sized recording is drawn: inside the <video>'s box, object-fit: contain. */
export function pictureToPage(
  page: Page,
  frame: { width: number; height: number },
  x: number,
  y: number,
): Promise<PagePoint> {
  return page.locator('video').evaluate(
    (v: HTMLVideoElement, { px, py, fw, fh }) => {
      const r = v.getBoundingClientRect();
      const fit = Math.min(v.clientWidth / v.videoWidth, v.clientHeight / v.videoHeight);
      const w = v.videoWidth * fit;
      const h = v.videoHeight * fit;
      return {
        x: r.left + (v.clientWidth - w) / 2 + (px / fw) * w,
        y: r.top + (v.clientHeight - h) / 2 + (py / fh) * h,
      };
    },
    { px: x, py: y, fw: frame.width, fh: frame.height },
  );
}

/** The centre of the element `selector` names, in page coordinates; throws when it is not laid out. */
export async function boxCentre(page: Page, selector: string): Promise<PagePoint> {
  const b = await page.locator(selector).boundingBox();
  if (!b) throw new Error(`${selector} has no box (not visible)`);
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}
