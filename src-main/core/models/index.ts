// The models area: catalogue, installed registry, Hub downloads and folders added in place.
export { CATALOGUE, type CatalogueEntry } from '../../../models/catalogue.js';
export { catalogueEntry, resolveSource } from './source.js';
export { downloadModel, type DownloadProgress, type DownloadResult, type DownloadOptions } from './download.js';
export {
  addFolder,
  listModels,
  removeModel,
  useModel,
  unfinishedDownloads,
  forgetModel,
  type ListedModel,
} from './manage.js';
export { defaultModelDir, readRegistry, findModel, isUsable, type InstalledModel } from './registry.js';
export { hubOptions, DEFAULT_ENDPOINT } from './hub-client.js';
