// How an out-of-memory failure reads, for both sides of the engine: the runtime maps an error message to GPU_OOM,
// and the client reads a dead engine's last words the same way.

/**
 * Out-of-memory as onnxruntime, CUDA, the C++ runtime, V8 or the OS word it: the BFC arena's "Failed to allocate
 * memory for requested buffer" (CPU and CUDA arenas alike), CUDA's own errors, std::bad_alloc, V8's heap limit, ENOMEM.
 */
export const OUT_OF_MEMORY =
  /out of memory|bad_alloc|Failed to allocate memory|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation|ENOMEM/i;
