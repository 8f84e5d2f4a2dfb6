package org.dpdl4j.dl4j.postprocess;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = x·A + b with A [d_in, d_out] and b [d_out]: centring, standardisation and PCA projections are
 * all of this form, and consecutive affine steps fold into one dense layer on export. Parameters are
 * stored as double arrays so the step serialises without ND4J.
 *
 * <p>Privacy assumption: A and b are public constants or outputs of a charged mechanism, as
 * {@link #cost()} states.
 */
public final class AffineStep implements FeatureStep {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final int in;
    private final int out;
    private final double[] matrix;
    private final double[] offset;
    private final PrivacyCost cost;
    /** A = diag(a) (square, zero off the diagonal, e.g. centring or standardisation): applied in O(n·d). */
    private final boolean diagonal;

    /**
     * @param matrix A [in, out] row-major (copied)
     * @param offset b [out] (copied)
     */
    public AffineStep(String name, int in, int out, double[] matrix, double[] offset, PrivacyCost cost) {
        this.name = Objects.requireNonNull(name, "name");
        if (in < 1 || out < 1 || matrix.length != (long) in * out || offset.length != out) {
            throw new IllegalArgumentException("affine step " + name + ": need A of " + in + "x" + out + " and b of " + out
                    + ", got " + matrix.length + " and " + offset.length + " values");
        }
        for (double v : matrix) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("affine step " + name + " has a non-finite matrix entry");
            }
        }
        for (double v : offset) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("affine step " + name + " has a non-finite offset");
            }
        }
        this.in = in;
        this.out = out;
        this.matrix = matrix.clone();
        this.offset = offset.clone();
        this.cost = Objects.requireNonNull(cost, "cost");
        this.diagonal = in == out && isDiagonal(this.matrix, in);
    }

    private static boolean isDiagonal(double[] a, int d) {
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                if (i != j && a[i * d + j] != 0.0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A [in, out] as a new array of the given type. */
    public INDArray matrix(DataType type) {
        return Nd4j.createFromArray(matrix).reshape('c', in, out).castTo(type);
    }

    /** b [1, out] as a new array of the given type. */
    public INDArray offset(DataType type) {
        return Nd4j.createFromArray(offset).reshape(1, out).castTo(type);
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public String name() {
        return name;
    }

    /** This step followed by {@code next}: x·A₁A₂ + (b₁A₂ + b₂); the cost note lists both. */
    public AffineStep then(AffineStep next) {
        if (next.in != out) {
            throw new IllegalArgumentException(name + " outputs " + out + " dims but " + next.name + " takes " + next.in);
        }
        INDArray a = matrix(DataType.DOUBLE).mmul(next.matrix(DataType.DOUBLE));
        INDArray b = offset(DataType.DOUBLE).mmul(next.matrix(DataType.DOUBLE)).addi(next.offset(DataType.DOUBLE));
        return new AffineStep(name + " + " + next.name, in, next.out, a.dup('c').data().asDouble(),
                b.dup('c').data().asDouble(), PrivacyCost.dataIndependent("composition of [" + cost + "] and ["
                        + next.cost + "]"));
    }

    @Override
    public INDArray apply(INDArray x) {
        if (x.rank() != 2 || x.size(1) != in) {
            throw new IllegalArgumentException(name + " takes [n, " + in + "] rows, got " + Arrays.toString(x.shape()));
        }
        if (diagonal) {
            double[] diag = new double[in];
            for (int j = 0; j < in; j++) {
                diag[j] = matrix[j * in + j];
            }
            INDArray a = Nd4j.createFromArray(diag).reshape(1, in).castTo(x.dataType());
            return x.mulRowVector(a).addiRowVector(offset(x.dataType()));
        }
        return x.mmul(matrix(x.dataType())).addiRowVector(offset(x.dataType()));
    }

    @Override
    public int outputDimension(int inputDimension) {
        if (inputDimension != in) {
            throw new IllegalArgumentException(name + " takes " + in + " dims, got " + inputDimension);
        }
        return out;
    }

    @Override
    public PrivacyCost cost() {
        return cost;
    }

    @Override
    public String describe() {
        return name + " (" + in + " -> " + out + "); " + cost;
    }
}
