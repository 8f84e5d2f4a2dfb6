package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Output size and padding of a 2-D convolution or pooling window, computed exactly as DL4J does. */
record ConvGeometry(int outH, int outW, int[] pad) {

    static ConvGeometry of(INDArray input, int[] kernel, int[] stride, int[] padding, int[] dilation, ConvolutionMode mode) {
        int[] out;
        int[] pad;
        if (mode == ConvolutionMode.Same) {
            out = ConvolutionUtils.getOutputSize(input, kernel, stride, null, mode, dilation, CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {(int) input.size(2), (int) input.size(3)},
                    kernel, stride, dilation);
        } else {
            pad = padding;
            out = ConvolutionUtils.getOutputSize(input, kernel, stride, padding, mode, dilation, CNN2DFormat.NCHW);
        }
        return new ConvGeometry(out[0], out[1], pad);
    }
}
