// The header holds the kernels as static inline functions.
