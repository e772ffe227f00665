// Which compiled better-sqlite3 addon to load: the one npm built for Node, unless the host names another.
// Electron's main sets MOLMOSCOPE_SQLITE_BINDING to the copy built for Electron's ABI (scripts/rebuild-native.mjs).

/** better-sqlite3's `nativeBinding` option from MOLMOSCOPE_SQLITE_BINDING, or nothing (the default addon). */
export function sqliteBindingOption(env: NodeJS.ProcessEnv = process.env): { nativeBinding?: string } {
  const path = env.MOLMOSCOPE_SQLITE_BINDING;
  return path ? { nativeBinding: path } : {};
}
