#include "field_kernels.h"

#if defined(__x86_64__)
int zk_has_adx = 0;

/* Decide once, before main, whether the MULX/ADX kernel may run on this CPU. */
__attribute__((constructor)) static void zk_detect_cpu(void) {
    __builtin_cpu_init();
    zk_has_adx = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
}
#endif
