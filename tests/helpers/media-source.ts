// The library's MediaSource over a fresh media service, for tests that import files without a core context.
import { mediaSourceOver } from '../../src-main/core/library/media-adapter.js';
import type { MediaSource } from '../../src-main/core/library/media-source.js';
import { createMediaService } from '../../src-main/core/media/index.js';

/** A MediaSource with its own media service (empty caches); nothing to dispose once the test's children are gone. */
export function testMediaSource(): MediaSource {
  return mediaSourceOver(createMediaService());
}
