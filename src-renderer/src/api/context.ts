// The bridge as a React context, for components deep in a page (the video player) that need media URLs.
import { createContext, useContext } from 'react';
import type { MolmoscopeBridge } from './client.js';

export const ApiContext = createContext<MolmoscopeBridge | null>(null);

/** The bridge of the surrounding <ApiContext.Provider>; throws when a component is used outside the app shell. */
export function useApi(): MolmoscopeBridge {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi() outside <ApiContext.Provider>');
  return api;
}
