package org.dpdl4j.core.audit;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Records, after every update, how much a block of rows of one weight matrix moved: prev − now, which
 * with plain SGD is the learning rate times the released noisy gradient. The white-box auditor's view
 * of the run (every intermediate update is released in the DP-SGD threat model).
 */
final class ParameterDeltaRecorder extends BaseTrainingListener {

    private final INDArray weights;
    private final long from;
    private final long to;
    private final int cols;
    private double[] previous;
    private final List<double[][]> deltas = new ArrayList<>();

    /**
     * @param weights a view of the weight matrix [rows, cols] (e.g. {@code layer.getParam("W")})
     */
    ParameterDeltaRecorder(INDArray weights, long from, long to) {
        this.weights = weights;
        this.from = from;
        this.to = to;
        this.cols = (int) weights.size(1);
        this.previous = rows();
    }

    /** The rows, row-major, read in one copy (per-row reads through ND4J are far slower). */
    private double[] rows() {
        return weights.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c').data().asDouble();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        double[] now = rows();
        double[][] d = new double[(int) (to - from)][cols];
        for (int i = 0; i < d.length; i++) {
            for (int j = 0; j < cols; j++) {
                d[i][j] = previous[i * cols + j] - now[i * cols + j];
            }
        }
        deltas.add(d);
        previous = now;
    }

    /** One [rows][cols] matrix of prev − now per step, in step order. */
    List<double[][]> deltas() {
        return deltas;
    }
}
