package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SubsamplingLayer (max, average or p-norm pooling, NCHW) on ND4J's native pooling ops and their gradients,
 * into buffers reused across batches.
 */
final class SubsamplingStep extends ParameterFreeStep {

    private final SubsamplingLayer conf;
    private final Buffers buffers = new Buffers();
    private final Scratch outBuf = buffers.slot();
    private final Scratch epsBuf = buffers.slot();
    private INDArray input;
    private ConvGeometry geom;

    SubsamplingStep(int index, SubsamplingLayer conf) {
        super(index);
        this.conf = conf;
    }

    private DynamicCustomOp.DynamicCustomOpsBuilder op(boolean backward) {
        String suffix = backward ? "_bp" : "";
        DynamicCustomOp.DynamicCustomOpsBuilder b;
        int extra = 0;
        switch (conf.getPoolingType()) {
            case MAX -> b = DynamicCustomOp.builder("maxpool2d" + suffix);
            case AVG -> {
                b = DynamicCustomOp.builder("avgpool2d" + suffix);
                extra = conf.isAvgPoolIncludePadInDivisor() ? 1 : 0;
            }
            case PNORM -> {
                b = DynamicCustomOp.builder("pnormpool2d" + suffix);
                extra = conf.getPnorm();
                if (backward) {
                    b.addFloatingPointArguments(conf.getEps());
                }
            }
            default -> throw new UnsupportedOperationException("pooling type " + conf.getPoolingType());
        }
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] d = conf.getDilation();
        return b.addIntegerArguments(k[0], k[1], s[0], s[1], geom.pad()[0], geom.pad()[1], d[0], d[1],
                conf.getConvolutionMode() == ConvolutionMode.Same ? 1 : 0, extra, 0);
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        input = in;
        geom = ConvGeometry.of(in, conf.getKernelSize(), conf.getStride(), conf.getPadding(), conf.getDilation(),
                conf.getConvolutionMode());
        INDArray out = outBuf.get(in.dataType(), in.size(0), in.size(1), geom.outH(), geom.outW());
        Nd4j.exec(op(false).addInputs(in).addOutputs(out).build());
        return out;
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        INDArray epsIn = epsBuf.get(input.dataType(), input.shape());
        Nd4j.exec(op(true).addInputs(input, epsilon).addOutputs(epsIn).build());
        return epsIn;
    }

    @Override
    public Buffers buffers() {
        return buffers;
    }

    @Override
    public void clear() {
        input = null;
    }
}
