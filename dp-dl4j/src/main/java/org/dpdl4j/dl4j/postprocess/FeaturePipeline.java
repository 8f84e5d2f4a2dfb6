package org.dpdl4j.dl4j.postprocess;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An ordered, immutable, serialisable list of {@link FeatureStep}s applied to feature rows, e.g. L2
 * normalise, then PCA fitted on public data. It becomes part of the exported DL4J network, and its
 * {@link #costs()} list what each step cost.
 *
 * <p>Privacy assumption: the charged steps' Gaussian mechanisms were recorded in the same ledger as
 * the head that is trained on the pipeline's output; the pipeline itself records nothing.
 */
public final class FeaturePipeline implements Serializable {

    private static final long serialVersionUID = 1L;

    private final List<FeatureStep> steps;

    private FeaturePipeline(List<FeatureStep> steps) {
        this.steps = List.copyOf(steps);
    }

    /** The identity (no step). */
    public static FeaturePipeline identity() {
        return new FeaturePipeline(List.of());
    }

    /** A pipeline of these steps, in order. */
    public static FeaturePipeline of(FeatureStep... steps) {
        return new FeaturePipeline(List.of(steps));
    }

    /** This pipeline followed by one more step. */
    public FeaturePipeline then(FeatureStep step) {
        List<FeatureStep> s = new ArrayList<>(steps);
        s.add(Objects.requireNonNull(step, "step"));
        return new FeaturePipeline(s);
    }

    public List<FeatureStep> steps() {
        return steps;
    }

    /** All steps applied to rows [n, d]. */
    public INDArray apply(INDArray x) {
        INDArray y = x;
        for (FeatureStep s : steps) {
            y = s.apply(y);
        }
        return y;
    }

    /**
     * A view of {@code source} whose chunks and selected rows pass through this pipeline, so that a head can
     * train on post-processed features straight from an on-disk cache without a second copy. Every step is
     * per-example, so processing selected rows equals selecting processed rows. Nothing is cached: each read
     * applies the pipeline again.
     */
    public FeatureSource over(FeatureSource source) {
        Objects.requireNonNull(source, "source");
        int out = outputDimension(source.dimension());
        FeaturePipeline pipeline = this;
        return new FeatureSource() {
            @Override
            public long size() {
                return source.size();
            }

            @Override
            public int dimension() {
                return out;
            }

            @Override
            public int classes() {
                return source.classes();
            }

            @Override
            public int chunks() {
                return source.chunks();
            }

            @Override
            public Chunk chunk(int i) {
                Chunk c = source.chunk(i);
                return new Chunk(pipeline.apply(c.features()), c.labels());
            }

            @Override
            public Chunk rows(long[] indices) {
                Chunk c = source.rows(indices);
                return new Chunk(c.features().size(0) == 0 ? Nd4j.create(c.features().dataType(), 0, out)
                        : pipeline.apply(c.features()), c.labels());
            }

            @Override
            public String describe() {
                return source.describe() + " through " + pipeline.steps.size() + " post-processing steps";
            }
        };
    }

    /** Output dimension for input dimension d. */
    public int outputDimension(int d) {
        int out = d;
        for (FeatureStep s : steps) {
            out = s.outputDimension(out);
        }
        return out;
    }

    /** Each step's cost, in order. */
    public List<PrivacyCost> costs() {
        return steps.stream().map(FeatureStep::cost).collect(Collectors.toList());
    }

    /** Whether any step was paid for by the private data. */
    public boolean isCharged() {
        return steps.stream().anyMatch(s -> !s.cost().isFree());
    }

    /** One line per step. */
    public String describe() {
        if (steps.isEmpty()) {
            return "identity";
        }
        return steps.stream().map(FeatureStep::describe).collect(Collectors.joining("\n"));
    }

    /** Java-serialises to a file. */
    public void save(Path file) throws IOException {
        try (OutputStream o = Files.newOutputStream(file); ObjectOutputStream out = new ObjectOutputStream(o)) {
            out.writeObject(this);
        }
    }

    /** Reads a pipeline written by {@link #save}. */
    public static FeaturePipeline load(Path file) throws IOException {
        try (InputStream i = Files.newInputStream(file); ObjectInputStream in = new ObjectInputStream(i)) {
            return (FeaturePipeline) in.readObject();
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new IOException(file + " is not a saved FeaturePipeline", e);
        }
    }

    @Override
    public String toString() {
        return "FeaturePipeline[" + steps.size() + " steps]";
    }
}
