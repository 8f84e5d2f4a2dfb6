package org.dpdl4j.dl4j.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A bit-exact copy of the parameters of the layers a phase must not change, taken before the phase and
 * compared after it. Comparison is on the raw bits (float or double), so even a −0.0/+0.0 flip or a
 * change in the last place counts as drift.
 *
 * <p>Privacy assumption: none; a snapshot is a check, it releases nothing (keep it out of any output, since
 * after a phase it holds parameters that are only as private as the ledger says).
 */
public final class FrozenSnapshot {

    private final List<ParameterTensors.Tensor> tensors;
    private final List<long[]> bits;

    private FrozenSnapshot(List<ParameterTensors.Tensor> tensors, List<long[]> bits) {
        this.tensors = tensors;
        this.bits = bits;
    }

    /** Snapshot of the given layers' parameters. */
    public static FrozenSnapshot of(MultiLayerNetwork net, Collection<Integer> layers) {
        List<ParameterTensors.Tensor> ts = ParameterTensors.of(net, layers).tensors();
        List<long[]> bits = new ArrayList<>();
        for (ParameterTensors.Tensor t : ts) {
            bits.add(rawBits(ParameterTensors.slice(net.params(), t)));
        }
        return new FrozenSnapshot(ts, bits);
    }

    /** Number of parameters covered. */
    public long size() {
        long n = 0;
        for (ParameterTensors.Tensor t : tensors) {
            n += t.length();
        }
        return n;
    }

    /** The tensors whose bits differ in {@code net} now; empty when nothing drifted. */
    public List<String> changedTensors(MultiLayerNetwork net) {
        List<String> changed = new ArrayList<>();
        for (int k = 0; k < tensors.size(); k++) {
            ParameterTensors.Tensor t = tensors.get(k);
            if (!Arrays.equals(bits.get(k), rawBits(ParameterTensors.slice(net.params(), t)))) {
                changed.add(t.name());
            }
        }
        return changed;
    }

    /**
     * Throws if any covered parameter changed.
     *
     * @throws IllegalStateException naming the drifted tensors
     */
    public void verifyUnchanged(MultiLayerNetwork net, String phase) {
        List<String> changed = changedTensors(net);
        if (!changed.isEmpty()) {
            throw new IllegalStateException("phase '" + phase + "' changed parameters it must not train: " + changed
                    + "; this is a bug in the freezing (check the layers' updaters and regularization)");
        }
    }

    static long[] rawBits(INDArray a) {
        INDArray x = a.dup();
        long n = x.length();
        long[] out = new long[(int) n];
        if (x.dataType() == DataType.DOUBLE) {
            double[] d = x.toDoubleVector();
            for (int i = 0; i < n; i++) {
                out[i] = Double.doubleToRawLongBits(d[i]);
            }
        } else if (x.dataType() == DataType.FLOAT) {
            float[] f = x.toFloatVector();
            for (int i = 0; i < n; i++) {
                out[i] = Float.floatToRawIntBits(f[i]);
            }
        } else {
            throw new IllegalArgumentException("parameters of type " + x.dataType() + " are not supported; use FLOAT or DOUBLE");
        }
        return out;
    }
}
