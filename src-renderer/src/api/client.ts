// The renderer's typed API: `window.molmoscope` (Electron preload) when present, else the serve bridge.
// Both expose the same MolmoscopeBridge shape derived from the contract, so pages never know which one answers.
import type { MolmoscopeBridge } from '../../../src-main/api/bridge.js';
import { createServeBridge } from './serve-bridge.js';

declare global {
  interface Window {
    molmoscope?: MolmoscopeBridge;
  }
}

/** The bridge for this page. */
export function connectApi(): MolmoscopeBridge {
  return window.molmoscope ?? createServeBridge();
}

export type { MolmoscopeBridge };
