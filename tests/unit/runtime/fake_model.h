/*===- tests/unit/runtime/fake_model.h - Shape of the fake test model ------===*
 *
 * Constants shared by fake_model.c (the stand-in for generated code) and the
 * C++ tests: inputs 'x' f32 [ROWS,COLS] and 'ids' i64 [ROWS] with values in
 * [0,VOCAB); weights 'w' f32 [COLS] at blob offset 0 and 'b' f32 [COLS] at
 * offset 64; output 'y' f32 [ROWS,COLS] = x[i][j] * w[j] + b[j] + ids[i].
 *===----------------------------------------------------------------------===*/
#ifndef ATTUNE_TESTS_FAKE_MODEL_H
#define ATTUNE_TESTS_FAKE_MODEL_H

#include <stdint.h>

#define FAKE_ROWS 8
#define FAKE_COLS 16
#define FAKE_VOCAB 5
#define FAKE_WEIGHTS_NBYTES 128

/* Weight values, exact in f32. */
#define FAKE_W(j) (1.0f + (float)(j) / 8.0f)
#define FAKE_B(j) (0.25f * (float)(j))

#define FAKE_WEIGHTS_ID_INIT {0xa7, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, \
                              0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}

#endif /* ATTUNE_TESTS_FAKE_MODEL_H */
