#include <cblas.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdint.h>

/* The processor's vector extensions that the operating system has enabled (XCR0 saves their registers), as
   OpenBLAS's kernels need them. Read with CPUID and XGETBV rather than from /proc/cpuinfo, which a hardened
   service may not see. */
static inline uint64_t twindup_enabled_register_state(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned int low = 0, high = 0;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
}

/* AVX2 and FMA, with the YMM registers enabled. */
static inline int twindup_cpu_has_avx2_fma(void) {
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_FMA) || !(ecx & bit_AVX)) return 0;
    if ((twindup_enabled_register_state() & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & bit_AVX2) != 0;
}

/* AVX-512 F, CD, BW, DQ and VL (what OpenBLAS's SkylakeX kernels use), with the ZMM and mask registers enabled. */
static inline int twindup_cpu_has_avx512_skylakex(void) {
    if (!twindup_cpu_has_avx2_fma()) return 0;
    if ((twindup_enabled_register_state() & 0xE6) != 0xE6) return 0;
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned int needed = bit_AVX512F | bit_AVX512CD | bit_AVX512BW | bit_AVX512DQ | bit_AVX512VL;
    return (ebx & needed) == needed;
}
#else
static inline int twindup_cpu_has_avx2_fma(void) { return 0; }
static inline int twindup_cpu_has_avx512_skylakex(void) { return 0; }
#endif
