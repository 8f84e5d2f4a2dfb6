package org.dpdl4j.dl4j.head;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.dpdl4j.core.sampling.Batch;
import org.dpdl4j.core.sampling.InMemoryDataset;
import org.dpdl4j.core.sampling.PoissonSampler;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link HeadData} over a {@link FeatureSource} on this machine. Full-batch steps stream the source chunk
 * by chunk (a single chunk stays resident with its input norms and a scratch buffer); Poisson steps draw
 * the rows with dp-core's {@link PoissonSampler} and read only those.
 *
 * <p>Privacy assumption: as {@link HeadData}; the sampler is secure unless the run is seeded.
 */
final class LocalHeadData implements HeadData {

    private final FeatureSource data;

    LocalHeadData(FeatureSource data) {
        this.data = Objects.requireNonNull(data, "data");
    }

    @Override
    public long size() {
        return data.size();
    }

    @Override
    public int dimension() {
        return data.dimension();
    }

    @Override
    public int classes() {
        return data.classes();
    }

    @Override
    public DataType dataType() {
        return data.chunk(0).features().dataType();
    }

    @Override
    public String describe() {
        return data.describe();
    }

    @Override
    public Steps start(HeadMode mode, double samplingRate, Long seed) {
        return mode == HeadMode.FULL_BATCH ? new FullBatch() : poisson(samplingRate, seed);
    }

    /** One pass over the source: refuses a NaN feature or a broken label before any step is recorded. */
    private void checkAll() {
        for (int c = 0; c < data.chunks(); c++) {
            FeatureSource.Chunk chunk = data.chunk(c);
            Inputs.checkFeatures(chunk.features(), "features (chunk " + c + ")");
            Inputs.checkOneHot(chunk.labels(), chunk.features().size(0), data.classes());
        }
    }

    private final class FullBatch implements Steps {
        private final int chunks = data.chunks();
        // ‖[x_i, 1]‖ does not change across steps: computed once, n numbers per source.
        private final List<INDArray> inputNorms = new ArrayList<>(chunks);
        private final List<FeatureSource.Chunk> resident = new ArrayList<>(chunks);
        private final List<INDArray> scratch = new ArrayList<>(chunks);
        private final boolean keep = chunks == 1;
        private boolean prepared;

        FullBatch() {
            checkAll();
        }

        @Override
        public void addClippedSum(PrivateLinearHead head, long step, double clipNorm, INDArray sumW, INDArray sumB) {
            if (!prepared) {
                // The norms depend on whether the head has a bias, so they wait for the first step's head.
                for (int c = 0; c < chunks; c++) {
                    FeatureSource.Chunk chunk = data.chunk(c);
                    inputNorms.add(head.inputNorms(chunk.features()));
                    scratch.add(keep ? Nd4j.create(head.dataType(), new long[] {chunk.features().size(0), head.classes()},
                            'c') : null);
                    if (keep) {
                        resident.add(chunk);
                    }
                }
                prepared = true;
            }
            for (int c = 0; c < chunks; c++) {
                FeatureSource.Chunk chunk = keep ? resident.get(c) : data.chunk(c);
                head.accumulateClippedSum(chunk.features(), chunk.labels(), inputNorms.get(c), clipNorm, sumW, sumB,
                        scratch.get(c));
            }
        }

        @Override
        public String sampling() {
            return "full batch (q=1, divisor n=" + data.size() + "), add/remove-one; rows read from " + data.describe();
        }

        @Override
        public void close() {
        }
    }

    private Steps poisson(double q, Long seed) {
        if (data.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Poisson mode indexes rows with int: " + data.size() + " rows are too many");
        }
        checkAll();
        // dp-core's Poisson sampler draws which rows a step uses; it needs an in-memory dataset, so it gets one of
        // n placeholder rows and only the drawn indices are used. The rows themselves come from the source, which
        // may be an on-disk cache far larger than memory: each step reads about q·n rows, never the whole cache.
        int n = (int) data.size();
        InMemoryDataset rowIds = InMemoryDataset.of(Nd4j.zeros(DataType.FLOAT, n, 1), Nd4j.zeros(DataType.FLOAT, n, 1));
        PoissonSampler sampler = seed == null ? PoissonSampler.secure(rowIds, q)
                : PoissonSampler.seeded(rowIds, q, seed ^ 0x5DEECE66DL);
        return new Steps() {
            @Override
            public void addClippedSum(PrivateLinearHead head, long step, double clipNorm, INDArray sumW, INDArray sumB) {
                Batch batch = sampler.next();
                // An empty batch still releases noise and still counts: skipping it would change the analysis.
                if (batch.isEmpty()) {
                    return;
                }
                FeatureSource.Chunk rows = data.rows(batch.indices());
                Inputs.checkFeatures(rows.features(), "features (step " + step + ")");
                Inputs.checkOneHot(rows.labels(), rows.features().size(0), data.classes());
                head.accumulateClippedSum(rows.features(), rows.labels(), null, clipNorm, sumW, sumB, null);
                // rows(...) gathers a fresh copy of the sampled rows (b·d values): free it now, or these off-heap
                // copies accumulate until a Java GC happens to run (tens of GB for large feature matrices).
                if (!rows.features().isView()) {
                    PrivateLinearHead.release(rows.features());
                }
                if (!rows.labels().isView()) {
                    PrivateLinearHead.release(rows.labels());
                }
            }

            @Override
            public String sampling() {
                return sampler.description() + "; rows read from " + data.describe();
            }

            @Override
            public void close() {
            }
        };
    }
}
