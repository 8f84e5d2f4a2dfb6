package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastCopyOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.transforms.any.IsMax;
import org.nd4j.linalg.factory.Nd4j;

/** GlobalPoolingLayer over the spatial (or time) dimensions: max, average or sum, collapsed to [B, C]. */
final class GlobalPoolingStep extends ParameterFreeStep {

    private final PoolingType type;
    private INDArray input;
    private int[] dims;

    GlobalPoolingStep(int index, GlobalPoolingLayer conf) {
        super(index);
        this.type = conf.getPoolingType();
    }

    static boolean supports(GlobalPoolingLayer conf) {
        PoolingType t = conf.getPoolingType();
        int[] d = conf.getPoolingDimensions();
        boolean spatial = d == null || java.util.Arrays.equals(d, new int[] {2, 3}) || java.util.Arrays.equals(d, new int[] {2});
        return conf.isCollapseDimensions() && spatial
                && (t == PoolingType.MAX || t == PoolingType.AVG || t == PoolingType.SUM);
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        input = in;
        dims = in.rank() == 4 ? new int[] {2, 3} : new int[] {2};
        return switch (type) {
            case MAX -> in.max(dims);
            case AVG -> in.mean(dims);
            case SUM -> in.sum(dims);
            default -> throw new UnsupportedOperationException(type.toString());
        };
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        if (type == PoolingType.MAX) {
            INDArray isMax = Nd4j.exec(new IsMax(input.dup(), dims))[0].castTo(epsilon.dataType());
            return Nd4j.exec(new BroadcastMulOp(isMax, epsilon, isMax, 0, 1));
        }
        INDArray ret = input.ulike();
        Nd4j.exec(new BroadcastCopyOp(ret, epsilon, ret, 0, 1));
        if (type == PoolingType.AVG) {
            long n = 1;
            for (int d : dims) {
                n *= input.size(d);
            }
            ret.divi(n);
        }
        return ret;
    }

    @Override
    public void clear() {
        input = null;
    }
}
