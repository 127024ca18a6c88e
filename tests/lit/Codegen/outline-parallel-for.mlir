// RUN: attune-opt %s --split-input-file --verify-diagnostics --attune-outline-parallel-for | FileCheck %s

// Each attune.parallel_for (LLVM dialect inside) becomes an internal
// llvm.func @<fn>_par<N>(ctx, begin, end) that loads the captured values from
// a context struct and loops over [begin, end); the op becomes stores into a
// stack struct and a call to attune_rt_parallel_for(fn, ctx, count).
// Captured constants are re-created inside the task, not passed.

// CHECK-LABEL: llvm.func @attune_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64)

// CHECK-LABEL: llvm.func internal @main_par0
// CHECK-SAME:    (%[[CTX:.+]]: !llvm.ptr, %[[BEGIN:.+]]: i64, %[[END:.+]]: i64) {
// CHECK:         %[[VAL:.+]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK:         %[[G0:.+]] = llvm.getelementptr %[[CTX]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr)>
// CHECK:         %[[BUF:.+]] = llvm.load %[[G0]] : !llvm.ptr -> !llvm.ptr
// CHECK-NOT:     llvm.getelementptr %[[CTX]]
// CHECK:         llvm.br ^[[HEADER:.+]](%[[BEGIN]] : i64)
// CHECK:       ^[[HEADER]](%[[IV:.+]]: i64):
// CHECK:         %[[MORE:.+]] = llvm.icmp "slt" %[[IV]], %[[END]] : i64
// CHECK:         llvm.cond_br %[[MORE]], ^[[PRE:.+]], ^[[EXIT:[^ ]+]]
// CHECK:       ^[[PRE]]:
// CHECK:         %[[SP:.+]] = llvm.intr.stacksave : !llvm.ptr
// CHECK:         llvm.br ^[[BODY:.+]](%[[IV]] : i64)
// CHECK:       ^[[BODY]](%[[I:.+]]: i64):
// CHECK:         %[[P:.+]] = llvm.getelementptr %[[BUF]][%[[I]]] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK:         llvm.store %[[VAL]], %[[P]] : f32, !llvm.ptr
// CHECK:         llvm.br ^[[LATCH:[^ ]+]]
// CHECK:       ^[[LATCH]]:
// CHECK:         llvm.intr.stackrestore %[[SP]] : !llvm.ptr
// CHECK:         %[[ONE:.+]] = llvm.mlir.constant(1 : i64) : i64
// CHECK:         %[[NEXT:.+]] = llvm.add %[[IV]], %[[ONE]] : i64
// CHECK:         llvm.br ^[[HEADER]](%[[NEXT]] : i64)
// CHECK:       ^[[EXIT]]:
// CHECK-NEXT:    llvm.return

// Multi-block bodies are cloned whole; every parallel_yield branches to the
// latch.
// CHECK-LABEL: llvm.func internal @main_par1
// CHECK-SAME:    (%{{.+}}: !llvm.ptr, %{{.+}}: i64, %{{.+}}: i64) {
// CHECK:         llvm.mlir.constant(1.000000e+00 : f32)
// CHECK:         !llvm.struct<(i64, ptr)>
// CHECK:         llvm.intr.stacksave
// CHECK:         llvm.add %{{.+}}, %{{.+}} : i64
// CHECK:         llvm.br ^[[NEXTBB:.+]]
// CHECK:       ^[[NEXTBB]]:
// CHECK:         llvm.store
// CHECK:         llvm.br ^[[LATCH:[^ ]+]]
// CHECK:       ^[[LATCH]]:
// CHECK-NEXT:    llvm.intr.stackrestore

// CHECK-LABEL: llvm.func @main
// CHECK-SAME:    (%[[A:.+]]: !llvm.ptr, %[[OFF:.+]]: i64) {
// CHECK-DAG:     %[[CTX1:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(i64, ptr)> : (i64) -> !llvm.ptr
// CHECK-DAG:     %[[CTX0:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(ptr)> : (i64) -> !llvm.ptr
// CHECK-NOT:     attune.parallel_for
// CHECK:         %[[S0:.+]] = llvm.getelementptr %[[CTX0]][0, 0]
// CHECK-NEXT:    llvm.store %[[A]], %[[S0]] : !llvm.ptr, !llvm.ptr
// CHECK-NEXT:    %[[FN0:.+]] = llvm.mlir.addressof @main_par0 : !llvm.ptr
// CHECK-NEXT:    %[[N0:.+]] = llvm.mlir.constant(16 : i64) : i64
// CHECK-NEXT:    llvm.call @attune_rt_parallel_for(%[[FN0]], %[[CTX0]], %[[N0]]) : (!llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK:         llvm.store %[[OFF]], %{{.+}} : i64, !llvm.ptr
// CHECK:         %[[FN1:.+]] = llvm.mlir.addressof @main_par1 : !llvm.ptr
// CHECK-NEXT:    %[[N1:.+]] = llvm.mlir.constant(4 : i64) : i64
// CHECK-NEXT:    llvm.call @attune_rt_parallel_for(%[[FN1]], %[[CTX1]], %[[N1]])
// CHECK-NEXT:    llvm.return
llvm.func @main(%arg0: !llvm.ptr, %arg1: i64) {
  %c = llvm.mlir.constant(1.0 : f32) : f32
  attune.parallel_for 16 {
  ^bb0(%i: i64):
    %p = llvm.getelementptr %arg0[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %c, %p : f32, !llvm.ptr
    attune.parallel_yield
  }
  attune.parallel_for 4 {
  ^bb0(%i: i64):
    %q = llvm.add %i, %arg1 : i64
    %p = llvm.getelementptr %arg0[%q] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.br ^bb1
  ^bb1:
    llvm.store %c, %p : f32, !llvm.ptr
    attune.parallel_yield
  }
  llvm.return
}

// -----

// An existing declaration of the runtime entry point is reused.

// CHECK-LABEL: llvm.func @attune_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64)
// CHECK-NOT:   llvm.func @attune_rt_parallel_for
// CHECK-LABEL: llvm.func internal @kernel_par0
// CHECK-LABEL: llvm.func @kernel
// CHECK:         llvm.call @attune_rt_parallel_for
llvm.func @attune_rt_parallel_for(!llvm.ptr, !llvm.ptr, i64)
llvm.func @kernel() {
  attune.parallel_for 2 {
  ^bb0(%i: i64):
    attune.parallel_yield
  }
  llvm.return
}

// -----

func.func @not_llvm() {
  // expected-error @+1 {{attune-outline-parallel-for: expected to run after conversion to LLVM}}
  attune.parallel_for 2 {
  ^bb0(%i: i64):
    attune.parallel_yield
  }
  return
}

// -----

llvm.func @captured_index(%n: i64) {
  %x = builtin.unrealized_conversion_cast %n : i64 to index
  // expected-error @+1 {{attune-outline-parallel-for: captured value of non-LLVM type 'index'}}
  attune.parallel_for 2 {
  ^bb0(%i: i64):
    %y = builtin.unrealized_conversion_cast %x : index to i64
    attune.parallel_yield
  }
  llvm.return
}

// -----

llvm.func @nested() {
  attune.parallel_for 2 {
  ^bb0(%i: i64):
    // expected-error @+1 {{attune-outline-parallel-for: nested parallel loops are not supported}}
    attune.parallel_for 2 {
    ^bb0(%j: i64):
      attune.parallel_yield
    }
    attune.parallel_yield
  }
  llvm.return
}
