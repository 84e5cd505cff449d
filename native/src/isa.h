/*
 * Per-file instruction sets. Each gemm_*.c file is compiled for one ISA by switching the target
 * of every function in it (GCC's target pragma, clang's attribute push), so the addon holds every
 * variant and picks one at load time (cpu.c). Only gemm_avx2.c and gemm_avx512.c use this.
 */
#ifndef SLIMCTR_ISA_H
#define SLIMCTR_ISA_H

#define ISA_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define ISA_BEGIN(t) ISA_PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
#define ISA_END _Pragma("clang attribute pop")
#elif defined(__GNUC__)
#define ISA_BEGIN(t) _Pragma("GCC push_options") ISA_PRAGMA(GCC target(t))
#define ISA_END _Pragma("GCC pop_options")
#else
#error "slimctr native kernels need GCC or clang"
#endif

#endif
