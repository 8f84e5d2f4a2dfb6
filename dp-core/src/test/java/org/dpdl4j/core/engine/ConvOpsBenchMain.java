package org.dpdl4j.core.engine;

import java.util.Arrays;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Timings of the candidate ND4J operations for the convolution step, on the Tramèr–Boneh CNN's two
 * convolution shapes at batch 256 (float). Prints min and median over repetitions; asserts nothing.
 */
public final class ConvOpsBenchMain {

    private ConvOpsBenchMain() {
    }

    interface Op {
        void run();
    }

    static void time(String name, int reps, Op op) {
        for (int i = 0; i < 3; i++) {
            op.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            op.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        System.out.printf("  %-52s min %8.3f  median %8.3f ms%n", name, t[0], t[reps / 2]);
    }

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        DataType dt = DataType.FLOAT;
        Nd4j.setDefaultDataTypes(dt, dt);
        shape("conv0 1->16 8x8 s2 p3 on 28x28", b, reps, 1, 28, 16, 8, 2, 3);
        shape("conv2 16->32 4x4 s2 p0 on 13x13", b, reps, 16, 13, 32, 4, 2, 0);
    }

    static void shape(String title, int b, int reps, int inC, int hw, int outC, int k, int s, int p) {
        System.out.println("== " + title);
        int o = (hw + 2 * p - k) / s + 1;
        int kk = inC * k * k;
        int pp = o * o;
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, b, inC, hw, hw);
        INDArray w = Nd4j.rand(DataType.FLOAT, outC, inC, k, k).subi(0.5);
        INDArray bias = Nd4j.rand(DataType.FLOAT, outC);
        INDArray col = Nd4j.create(DataType.FLOAT, b, inC, k, k, o, o);
        INDArray colP = Nd4j.create(DataType.FLOAT, b, o, o, inC, k, k);
        INDArray out = Nd4j.create(DataType.FLOAT, b, outC, o, o);
        INDArray delta = Nd4j.rand(DataType.FLOAT, b, outC, o, o);
        INDArray g = Nd4j.create(DataType.FLOAT, b, outC, kk);
        INDArray dcol = Nd4j.create(DataType.FLOAT, b, kk, pp);
        INDArray epsIn = Nd4j.create(DataType.FLOAT, b, inC, hw, hw);
        INDArray gw = Nd4j.create(DataType.FLOAT, outC, inC, k, k);
        INDArray gb = Nd4j.create(DataType.FLOAT, outC);
        INDArray wB = Nd4j.create(DataType.FLOAT, b, outC, kk);
        Conv2DConfig cfg = Conv2DConfig.builder().kH(k).kW(k).sH(s).sW(s).pH(p).pW(p).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
        INDArray u3 = col.reshape('c', b, kk, pp);
        INDArray d3 = delta.reshape('c', b, outC, pp);
        INDArray w2 = w.reshape('c', outC, kk);
        time("im2col natural [B,iC,kH,kW,oH,oW]", reps, () -> Convolution.im2col(x, k, k, s, s, p, p, 1, 1, false, col));
        Unfold unfold = new Unfold(inC, hw, hw, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, new int[] {1, 1}, o, o);
        time("im2col: Unfold (Java loops, split)", reps, () -> unfold.im2col(x, col));
        time("im2col permuted [B,oH,oW,iC,kH,kW] (before)", reps,
                () -> Convolution.im2col(x, k, k, s, s, p, p, 1, 1, false, colP.permute(0, 3, 4, 5, 1, 2)));
        time("native conv2d OIYX (+bias)", reps, () -> Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w, bias)
                .addOutputs(out).addIntegerArguments(k, k, s, s, p, p, 1, 1, 0, 0, 1).build()));
        INDArray w0 = Nd4j.create(w.data(), new long[] {b, outC, kk}, new long[] {0, kk, 1}, w.offset(), (char) 99, DataType.FLOAT);
        INDArray out3 = out.reshape('c', b, outC, pp);
        time("fwd: stride-0 W batched matmul W·U_b", reps, () -> Nd4j.matmul(w0, u3, out3, false, false, false));
        time("fwd: same, split over examples (Parallel)", reps, () -> Parallel.forRanges(b, 8, (f, t) -> Nd4j.matmul(
                Nd4j.create(w.data(), new long[] {t - f, outC, kk}, new long[] {0, kk, 1}, w.offset(), (char) 99, DataType.FLOAT),
                u3.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)),
                out3.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)), false, false, false)));
        time("per-example G split over examples (Parallel)", reps, () -> Parallel.forRanges(b, 8, (f, t) -> Nd4j.matmul(
                d3.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)), u3.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)),
                g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)), false, true, false)));
        time("fwd: bias BroadcastAddOp dim 1", reps, () -> Nd4j.exec(
                new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(out3, bias, out3, 1)));
        INDArray outCopy = out.ulike();
        time("assign copy of z", reps, () -> outCopy.assign(out));
        time("bias grads: Sum(δ3, dim 2)", reps, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.reduce.same.Sum(d3,
                Nd4j.create(DataType.FLOAT, b, outC), 2)));
        time("input grad: stride-0 batched Wᵀδ_b", reps, () -> Nd4j.matmul(w0, d3, dcol, true, false, false));
        time("fwd: current cols·Wᵀ mmul + permute dup", reps, () -> {
            INDArray z = colP.reshape('c', (long) b * pp, kk).mmul(w2.transpose());
            z.reshape('c', b, o, o, outC).permute(0, 3, 1, 2).dup('c');
        });
        time("per-example G = batched δ_b·U_bᵀ [B,outC,K]", reps, () -> Nd4j.matmul(d3, u3, g, false, true, false));
        time("norms of G: SquaredNorm dim 1 on [B, outC·K]", reps, () -> StepMath.rowSquaredNorms(g.reshape('c', b, (long) outC * kk)));
        time("norms of G: norm2(1) on [B, outC·K]", reps, () -> g.reshape('c', b, (long) outC * kk).norm2(1));
        INDArray c = Nd4j.rand(DataType.FLOAT, 1, b);
        INDArray gsum = Nd4j.create(DataType.FLOAT, 1, (long) outC * kk);
        time("clipped sum from G: c·G gemm", reps, () -> Nd4j.gemm(c, g.reshape('c', b, (long) outC * kk), gsum, false, false, 1.0, 0.0));
        time("ghost: UᵀU and δᵀδ batched", reps, () -> {
            INDArray uu = Nd4j.matmul(u3, u3, true, false, false);
            INDArray dd = Nd4j.matmul(d3, d3, true, false, false);
            uu.muli(dd).sum(1, 2);
        });
        time("native conv2d_bp (gradI, gradW, gradB)", reps, () -> Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                .addInputs(x, w, bias, delta).addOutputs(epsIn, gw, gb).addIntegerArguments(k, k, s, s, p, p, 1, 1, 0, 0, 1).build()));
        time("input grad: col2im natural only", reps,
                () -> Convolution.col2im(dcol.reshape('c', b, inC, k, k, o, o), epsIn, s, s, p, p, hw, hw, 1, 1));
        INDArray a = out.ulike();
        time("tanh fwd (new array)", reps, () -> org.nd4j.linalg.ops.transforms.Transforms.tanh(out, true));
        time("tanh fwd into buffer", reps, () -> Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh(out, a)));
        INDArray dz = out.ulike();
        time("tanh bp from output: (1 - a²)∘ε, 3 ops", reps, () -> {
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp(a, a, dz));
            dz.rsubi(1.0);
            dz.muli(delta);
        });
        time("tanh bp (TanhDerivative op into buffer)", reps, () -> Nd4j.exec(
                new org.nd4j.linalg.api.ops.impl.transforms.gradient.TanhDerivative(out, delta, dz)));
        int po = o - 1;
        INDArray pooled = Nd4j.create(DataType.FLOAT, b, outC, po, po);
        INDArray pe = Nd4j.rand(DataType.FLOAT, b, outC, po, po);
        time("maxpool2d 2x2 s1", reps, () -> Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(a).addOutputs(pooled)
                .addIntegerArguments(2, 2, 1, 1, 0, 0, 1, 1, 0, 0, 0).build()));
        time("maxpool2d_bp 2x2 s1 split (Parallel)", reps, () -> Parallel.forRanges(b, 8, (f, t) -> Nd4j.exec(
                DynamicCustomOp.builder("maxpool2d_bp").addInputs(a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)),
                pe.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t))).addOutputs(dz.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(f, t)))
                .addIntegerArguments(2, 2, 1, 1, 0, 0, 1, 1, 0, 0, 0).build())));
        time("maxpool2d_bp 2x2 s1", reps, () -> Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(a, pe).addOutputs(dz)
                .addIntegerArguments(2, 2, 1, 1, 0, 0, 1, 1, 0, 0, 0).build()));
    }
}
