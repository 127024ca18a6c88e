//===- Shape.cpp - attune shape ops -> tensor / linalg --------------------===//
//
//   attune.reshape   -> tensor.collapse_shape to 1-D + tensor.expand_shape
//   attune.transpose -> linalg.transpose
//   attune.slice     -> tensor.extract_slice (static offsets/sizes/strides)
//   attune.split     -> one tensor.extract_slice per piece
//   attune.concat    -> tensor.empty + tensor.insert_slice per input
//
//===----------------------------------------------------------------------===//
#include "PopulatePatterns.h"
#include "Utils.h"

#include "attune/IR/AttuneOps.h"
#include "attune/IR/ShapeUtils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::attune {
namespace {

struct ReshapeLowering : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildReshape(rewriter, op.getLoc(), op.getInput(), op.getType()));
    return success();
  }
};

struct TransposeLowering : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getType());
    Value init = rewriter.create<tensor::EmptyOp>(op.getLoc(), t.getShape(), t.getElementType());
    auto tr = rewriter.create<linalg::TransposeOp>(op.getLoc(), op.getInput(), init, op.getPerm());
    rewriter.replaceOp(op, tr->getResult(0));
    return success();
  }
};

struct SliceLowering : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getType());
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, t, op.getInput(), ValueRange{}, ValueRange{}, ValueRange{}, op.getStarts(),
        t.getShape(), op.getSteps());
    return success();
  }
};

struct SplitLowering : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitOp op, PatternRewriter &rewriter) const override {
    auto in = cast<RankedTensorType>(op.getInput().getType());
    int64_t axis = *normalizeAxis(op.getAxis(), in.getRank());
    SmallVector<Value> pieces;
    int64_t offset = 0;
    for (auto [i, size] : llvm::enumerate(op.getSizes())) {
      SmallVector<int64_t> offsets(in.getRank(), 0), sizes(in.getShape()),
          strides(in.getRank(), 1);
      offsets[axis] = offset;
      sizes[axis] = size;
      pieces.push_back(rewriter.create<tensor::ExtractSliceOp>(
          op.getLoc(), cast<RankedTensorType>(op.getResult(i).getType()), op.getInput(),
          ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, strides));
      offset += size;
    }
    rewriter.replaceOp(op, pieces);
    return success();
  }
};

struct ConcatLowering : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    auto t = cast<RankedTensorType>(op.getType());
    int64_t axis = *normalizeAxis(op.getAxis(), t.getRank());
    Value acc = rewriter.create<tensor::EmptyOp>(op.getLoc(), t.getShape(), t.getElementType());
    int64_t offset = 0;
    for (Value in : op.getInputs()) {
      auto it = cast<RankedTensorType>(in.getType());
      SmallVector<int64_t> offsets(t.getRank(), 0), strides(t.getRank(), 1);
      offsets[axis] = offset;
      acc = rewriter.create<tensor::InsertSliceOp>(op.getLoc(), in, acc, ValueRange{},
                                                   ValueRange{}, ValueRange{}, offsets,
                                                   it.getShape(), strides);
      offset += it.getDimSize(axis);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, SliceLowering, SplitLowering, ConcatLowering>(
      patterns.getContext());
}

} // namespace mlir::attune
