// RUN: attune compile %S/../../../examples/encoder_fused.json --dtype bf16 --target x86-64-avx512-amx --compile-to object -o %t.o
// RUN: llvm-objdump -d --no-show-raw-insn %t.o | FileCheck %s --implicit-check-not='{{tile(stored|loadd).*\(%rsp}}'

// The encoder's bf16 weight GEMMs as machine code for an AMX target: the
// tile configuration that LLVM inserts, tile loads, tdpbf16ps and tile
// stores -- and no tile spilled to or reloaded from the stack (the
// implicit check): MicroKernelAMX.cpp keeps one tile shape per function and
// at most 7 live tiles; a second shape or hoisted B loads made the X86
// backend spill tiles (slow, and wrong results were seen).

// CHECK: ldtilecfg
// CHECK: tileloadd
// CHECK: tdpbf16ps
// CHECK: tilestored
