# The native kernels (see README.md). Built by native/build.mjs with node-gyp against the
# running Node's own headers. Every ISA's kernels are compiled into the one addon, each file for its
# own instruction set (function target attributes, see src/isa.h); the addon picks one at load time
# from what the CPU reports, so the build itself never uses -march=native.
{
  'targets': [
    {
      'target_name': 'slimctr_native',
      'sources': [
        'src/addon.c',
        'src/attention.c',
        'src/cpu.c',
        'src/elementwise.c',
        'src/fields.c',
        'src/gemm_base.c',
        'src/gemm_avx2.c',
        'src/gemm_avx512.c',
        'src/gemm_neon.c',
        'src/interaction.c',
        'src/quant.c',
        'src/rows.c',
        'src/sparse.c',
      ],
      'cflags': ['-O3', '-std=gnu11', '-ffp-contract=off', '-fno-math-errno', '-fno-strict-aliasing', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'cflags!': ['-O2', '-O0'],
      'defines': ['NAPI_VERSION=8'],
    },
  ],
}
