package org.dpdl4j.core.engine;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * im2col for NCHW input into the [B, C, kH, kW, oH, oW] column layout, written as plain loops over each
 * example's block with bulk copies in and out of ND4J's off-heap memory, split over examples with
 * {@link Parallel}. On the Tramèr–Boneh CNN's first convolution this takes about half the time of
 * libnd4j's im2col op (whose generic index arithmetic dominates) and produces the same values: a copy,
 * zero outside the padded image. (A col2im written the same way was slower than libnd4j's: not used.)
 *
 * <p>Position (oh, ow) of kernel tap (kh, kw) reads input row oh·sH − pH + kh·dH and column
 * ow·sW − pW + kw·dW, as libnd4j's im2col does; padding is the top-left padding of the layer's geometry.
 * {@link #supports} says when these loops apply (float or double, c-contiguous arrays, int-indexable);
 * otherwise callers use libnd4j's ops.
 */
final class Unfold {

    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[2][0]);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[2][0]);

    private final int channels;
    private final int height;
    private final int width;
    private final int kH;
    private final int kW;
    private final int sH;
    private final int sW;
    private final int pH;
    private final int pW;
    private final int dH;
    private final int dW;
    private final int oH;
    private final int oW;
    private final int image;
    private final int block;

    Unfold(long channels, long height, long width, int[] kernel, int[] stride, int[] pad, int[] dilation, int oH, int oW) {
        this.channels = Math.toIntExact(channels);
        this.height = Math.toIntExact(height);
        this.width = Math.toIntExact(width);
        this.kH = kernel[0];
        this.kW = kernel[1];
        this.sH = stride[0];
        this.sW = stride[1];
        this.pH = pad[0];
        this.pW = pad[1];
        this.dH = dilation[0];
        this.dW = dilation[1];
        this.oH = oH;
        this.oW = oW;
        this.image = Math.toIntExact(channels * height * width);
        this.block = Math.toIntExact(channels * kH * kW * oH * oW);
    }

    /** True when the loops apply to this image array and column array. */
    static boolean supports(INDArray img, INDArray col) {
        DataType t = img.dataType();
        return (t == DataType.FLOAT || t == DataType.DOUBLE) && col.dataType() == t
                && StepMath.isCContiguous(img) && StepMath.isCContiguous(col)
                && img.offset() + img.length() < Integer.MAX_VALUE && col.offset() + col.length() < Integer.MAX_VALUE;
    }

    /** col [B, C, kH, kW, oH, oW] ← patches of img [B, C, H, W]. */
    void im2col(INDArray img, INDArray col) {
        long batch = img.size(0);
        int imgBase = (int) img.offset();
        int colBase = (int) col.offset();
        if (img.dataType() == DataType.FLOAT) {
            FloatBuffer in = img.data().asNioFloat();
            FloatBuffer out = col.data().asNioFloat();
            Parallel.forRanges(batch, 4, (from, to) -> {
                float[][] tmp = FLOATS.get();
                float[] x = tmp[0].length >= image ? tmp[0] : (tmp[0] = new float[image]);
                float[] c = tmp[1].length >= block ? tmp[1] : (tmp[1] = new float[block]);
                for (long b = from; b < to; b++) {
                    in.get(imgBase + (int) b * image, x, 0, image);
                    unfoldFloat(x, c);
                    out.put(colBase + (int) b * block, c, 0, block);
                }
            });
        } else {
            DoubleBuffer in = img.data().asNioDouble();
            DoubleBuffer out = col.data().asNioDouble();
            Parallel.forRanges(batch, 4, (from, to) -> {
                double[][] tmp = DOUBLES.get();
                double[] x = tmp[0].length >= image ? tmp[0] : (tmp[0] = new double[image]);
                double[] c = tmp[1].length >= block ? tmp[1] : (tmp[1] = new double[block]);
                for (long b = from; b < to; b++) {
                    in.get(imgBase + (int) b * image, x, 0, image);
                    unfoldDouble(x, c);
                    out.put(colBase + (int) b * block, c, 0, block);
                }
            });
        }
    }

    private void unfoldFloat(float[] x, float[] c) {
        int o = 0;
        for (int ch = 0; ch < channels; ch++) {
            int plane = ch * height * width;
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    for (int oh = 0; oh < oH; oh++) {
                        int ih = oh * sH - pH + kh * dH;
                        if (ih < 0 || ih >= height) {
                            java.util.Arrays.fill(c, o, o + oW, 0f);
                            o += oW;
                            continue;
                        }
                        int row = plane + ih * width;
                        int iw = kw * dW - pW;
                        for (int ow = 0; ow < oW; ow++, iw += sW) {
                            c[o++] = iw >= 0 && iw < width ? x[row + iw] : 0f;
                        }
                    }
                }
            }
        }
    }

    private void unfoldDouble(double[] x, double[] c) {
        int o = 0;
        for (int ch = 0; ch < channels; ch++) {
            int plane = ch * height * width;
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    for (int oh = 0; oh < oH; oh++) {
                        int ih = oh * sH - pH + kh * dH;
                        if (ih < 0 || ih >= height) {
                            java.util.Arrays.fill(c, o, o + oW, 0d);
                            o += oW;
                            continue;
                        }
                        int row = plane + ih * width;
                        int iw = kw * dW - pW;
                        for (int ow = 0; ow < oW; ow++, iw += sW) {
                            c[o++] = iw >= 0 && iw < width ? x[row + iw] : 0d;
                        }
                    }
                }
            }
        }
    }
}
