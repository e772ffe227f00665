// Public surface of the analytics core: counting, stitching, corrections, metrics, exports and job runners.
// Hosts (CLI, backend handlers, UI bridge) import from here rather than from individual files.
export * from './types.js';
export { assign, solveDense, type Assignment, type AssignOptions } from './hungarian.js';
export { frameDiagonal, toModelX, toModelY, fromModelX, fromModelY, timeKey } from './geometry.js';
export { dedupCounts, type CountDedupOptions } from './count-dedup.js';
export { stitchTracks, type StitchOptions } from './stitch.js';
export * from './corrections.js';
export * from './jobs.js';
export { evalCounts, parseCountAnswer, countTolerance, type CountMetrics } from './metrics/count-metrics.js';
export { evalPoints, prf, f1Of, type PointMetrics, type PrfScore } from './metrics/point-metrics.js';
export { evalTracks, type TrackMetrics } from './metrics/track-metrics.js';
export { hota, HOTA_ALPHAS, type HotaFrame, type HotaScores } from './metrics/hota.js';
export { pointInRegion, regionCenter, RegionSchema, type Region } from './metrics/regions.js';
export * from './metrics/eval-format.js';
export * from './export/csv.js';
export * from './export/documents.js';
export { tracksToMot, parseMot } from './export/mot.js';
export { writeCaseBundle, type CaseBundleInput } from './export/case-bundle.js';
export { writeFileAtomic, writeDirAtomic, type BundleFile } from './export/atomic.js';
export { molmoPointParser, molmoTrackParser, type AdapterOptions } from './answer-adapters.js';
