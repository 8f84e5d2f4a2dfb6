package org.dpdl4j.core.engine;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dpdl4j.core.clipping.FlatClipping;
import org.dpdl4j.core.noise.SecureGaussianNoise;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Where the time of a DP-SGD step goes: per layer step (forward, backward, norms, clipped sum), the whole
 * engine pipeline as the trainer runs it, noise, the updater, and DL4J's own fit for comparison. Prints;
 * asserts nothing. Run with the dp-core test classpath:
 * {@code java -cp ... org.dpdl4j.core.engine.EngineProfileMain cnn 256 30 [poisson] [nofit]}.
 *
 * <p>Allocation per pipeline: JVM heap bytes from {@code ThreadMXBean#getThreadAllocatedBytes}, and the
 * number of off-heap ND4J buffers created (ND4J's deallocator counter, one per data buffer).
 */
public final class EngineProfileMain {

    private EngineProfileMain() {
    }

    static MultiLayerNetwork cnn(DataType dt) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(42).updater(new Sgd(0.1))
                .dataType(dt).gradientNormalization(GradientNormalization.None).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Truncate).list()
                .layer(new ConvolutionLayer.Builder(8, 8).stride(2, 2).padding(3, 3).nOut(16).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(1, 1).build())
                .layer(new ConvolutionLayer.Builder(4, 4).stride(2, 2).padding(0, 0).nOut(32).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(1, 1).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        return net;
    }

    static MultiLayerNetwork mlp(DataType dt) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(42).updater(new Sgd(0.1))
                .dataType(dt).gradientNormalization(GradientNormalization.None).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(256).nOut(10).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /** Median and sum of recorded times per label, in ms. */
    static final class Times {
        final Map<String, List<Double>> t = new LinkedHashMap<>();

        void add(String k, long nanos) {
            t.computeIfAbsent(k, x -> new ArrayList<>()).add(nanos / 1e6);
        }

        static double median(List<Double> v) {
            double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return a.length == 0 ? Double.NaN : a[a.length / 2];
        }

        void print(String title) {
            System.out.println("== " + title + " (ms: median, min)");
            double total = 0;
            double totalMin = 0;
            for (Map.Entry<String, List<Double>> e : t.entrySet()) {
                double m = median(e.getValue());
                double min = e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
                total += m;
                totalMin += min;
                System.out.printf("  %-34s %8.3f %8.3f%n", e.getKey(), m, min);
            }
            System.out.printf("  %-34s %8.3f %8.3f%n", "(sums)", total, totalMin);
        }
    }

    static long heapBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    static long buffers() {
        return Nd4j.getDeallocatorService().nextValue();
    }

    /**
     * Native allocations of at least 4 KiB (count, bytes) when the process runs with an LD_PRELOAD shim
     * that counts them into /dev/shm/mstat-PID (two 64-bit counters); null without it.
     */
    static java.nio.LongBuffer nativeCounters() {
        java.nio.file.Path p = java.nio.file.Path.of("/dev/shm/mstat-" + ProcessHandle.current().pid());
        if (!java.nio.file.Files.exists(p)) {
            return null;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
            return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, 16).order(java.nio.ByteOrder.nativeOrder())
                    .asLongBuffer();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "cnn";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int iters = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        List<String> flags = Arrays.asList(args);
        boolean poisson = flags.contains("poisson");
        boolean fit = !flags.contains("nofit");
        if (flags.contains("serial")) {
            Parallel.enabled = false;
        }
        for (String f : flags) {
            if (f.startsWith("blas=")) {
                Nd4j.factory().blas().setMaxThreads(Integer.parseInt(f.substring(5)));
            } else if (f.startsWith("master=")) {
                Nd4j.getEnvironment().setMaxMasterThreads(Integer.parseInt(f.substring(7)));
            } else if (f.startsWith("maxthreads=")) {
                Nd4j.getEnvironment().setMaxThreads(Integer.parseInt(f.substring(11)));
            }
        }
        DataType dt = DataType.FLOAT;
        Nd4j.setDefaultDataTypes(dt, dt);
        MultiLayerNetwork net = "mlp".equals(model) ? mlp(dt) : cnn(dt);
        PerExampleEngine engine = PerExampleEngine.of(net);
        System.out.println("model " + model + ", batch " + batch + (poisson ? " (Poisson sizes)" : "") + ", params "
                + net.numParams() + ", fallback " + engine.usesFallback() + ", omp threads "
                + Nd4j.getEnvironment().maxMasterThreads() + "/" + Nd4j.getEnvironment().maxThreads()
                + ", blas threads " + Nd4j.factory().blas().getMaxThreads() + ", engine threads " + Parallel.threads());
        int maxB = poisson ? batch + 4 * (int) Math.sqrt(batch) : batch;
        Nd4j.getRandom().setSeed(1);
        INDArray xAll = Nd4j.rand(dt, maxB, 784);
        INDArray yAll = Nd4j.zeros(dt, maxB, 10);
        for (int i = 0; i < maxB; i++) {
            yAll.putScalar(i, i % 10, 1f);
        }
        Random rnd = new Random(3);
        FlatClipping clip = new FlatClipping(1.0);
        SecureGaussianNoise noise = new SecureGaussianNoise();
        INDArray flat = net.getFlattenedGradients();
        List<LayerStep> steps = engine.steps();
        int warm = Math.max(5, iters / 5);

        // 1. per step stage timings (and native bytes allocated per stage, with the shim)
        Times st = new Times();
        java.nio.LongBuffer natStage = nativeCounters();
        Map<String, Long> stageBytes = new LinkedHashMap<>();
        for (int it = 0; it < warm + iters; it++) {
            int b = poisson ? batch + (int) Math.round(rnd.nextGaussian() * Math.sqrt(batch)) : batch;
            b = Math.max(1, Math.min(maxB, b));
            INDArray x = xAll.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, b));
            INDArray y = yAll.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, b));
            boolean rec = it >= warm;
            INDArray a = x;
            for (LayerStep s : steps) {
                long nb = natStage == null ? 0 : natStage.get(1);
                long t0 = System.nanoTime();
                a = s.forward(a, true);
                if (rec) {
                    st.add("fwd " + name(s), System.nanoTime() - t0);
                    if (natStage != null) {
                        stageBytes.merge("fwd " + name(s), natStage.get(1) - nb, Long::sum);
                    }
                }
            }
            LossStep loss = (LossStep) steps.get(steps.size() - 1);
            int lowest = steps.stream().filter(LayerStep::trainable).mapToInt(LayerStep::layerIndex).min().orElse(0);
            long t0 = System.nanoTime();
            INDArray eps = loss.backwardFromLabels(y, loss.layerIndex() > lowest);
            if (rec) {
                st.add("bwd " + name(loss), System.nanoTime() - t0);
            }
            for (int k = steps.size() - 2; k >= 0 && eps != null; k--) {
                LayerStep s = steps.get(k);
                long nb = natStage == null ? 0 : natStage.get(1);
                t0 = System.nanoTime();
                eps = s.backward(eps, s.layerIndex() > lowest);
                if (rec) {
                    st.add("bwd " + name(s), System.nanoTime() - t0);
                    if (natStage != null) {
                        stageBytes.merge("bwd " + name(s), natStage.get(1) - nb, Long::sum);
                    }
                }
            }
            INDArray acc = Nd4j.zeros(dt, b);
            for (LayerStep s : steps) {
                if (s.trainable()) {
                    long nb = natStage == null ? 0 : natStage.get(1);
                    t0 = System.nanoTime();
                    s.addSquaredNorms(acc);
                    if (rec) {
                        st.add("norms " + name(s), System.nanoTime() - t0);
                        if (natStage != null) {
                            stageBytes.merge("norms " + name(s), natStage.get(1) - nb, Long::sum);
                        }
                    }
                }
            }
            INDArray f = Nd4j.ones(dt, b);
            for (LayerStep s : steps) {
                if (s.trainable()) {
                    long nb = natStage == null ? 0 : natStage.get(1);
                    t0 = System.nanoTime();
                    s.writeClippedSum(f);
                    if (rec) {
                        st.add("clipsum " + name(s), System.nanoTime() - t0);
                        if (natStage != null) {
                            stageBytes.merge("clipsum " + name(s), natStage.get(1) - nb, Long::sum);
                        }
                    }
                }
            }
            t0 = System.nanoTime();
            loss.perExampleLoss(y);
            if (rec) {
                st.add("per-example loss", System.nanoTime() - t0);
            }
            for (LayerStep s : steps) {
                s.clear();
            }
        }
        st.print("engine stages");
        if (natStage != null) {
            System.out.println("== native bytes (allocations >= 4 KiB) per stage, KiB");
            final int n = iters;
            stageBytes.forEach((k, v) -> {
                if (v > 0) {
                    System.out.printf("  %-34s %10.1f%n", k, v / 1024.0 / n);
                }
            });
        }

        // 2. the whole engine pipeline as DpSgdTrainer runs it, with allocation per pipeline
        Times pt = new Times();
        long heap = 0;
        long bufs = 0;
        java.nio.LongBuffer nat = nativeCounters();
        long natCount = 0;
        long natBytes = 0;
        for (int it = 0; it < warm + iters; it++) {
            int b = poisson ? batch + (int) Math.round(rnd.nextGaussian() * Math.sqrt(batch)) : batch;
            b = Math.max(1, Math.min(maxB, b));
            INDArray x = xAll.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, b));
            INDArray y = yAll.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, b));
            long h0 = heapBytes();
            long b0 = buffers();
            long n0 = nat == null ? 0 : nat.get(0);
            long nb0 = nat == null ? 0 : nat.get(1);
            long t0 = System.nanoTime();
            flat.assign(0);
            PerExampleGradients g = engine.compute(x, y);
            long t1 = System.nanoTime();
            INDArray factors = clip.factors(g);
            long t2 = System.nanoTime();
            g.writeClippedSumPerLayer(factors);
            long t3 = System.nanoTime();
            g.norms();
            g.loss().sumNumber().doubleValue();
            g.release();
            long t4 = System.nanoTime();
            if (it >= warm) {
                heap += heapBytes() - h0;
                bufs += buffers() - b0 - 1;
                natCount += nat == null ? 0 : nat.get(0) - n0;
                natBytes += nat == null ? 0 : nat.get(1) - nb0;
                pt.add("compute (fwd+bwd)", t1 - t0);
                pt.add("norms + clip factors", t2 - t1);
                pt.add("clipped sum", t3 - t2);
                pt.add("norms/loss/release", t4 - t3);
            }
            t0 = System.nanoTime();
            // As the trainer does: the mask only when some parameters are frozen.
            if (engine.trainsAllParameters()) {
                noise.addTo(flat, 1.0);
            } else {
                noise.addTo(flat, 1.0, engine.trainableMask());
            }
            flat.divi(batch);
            t1 = System.nanoTime();
            int iteration = net.getIterationCount();
            net.getUpdater().update(net, new DefaultGradient(flat), iteration, 0, 1, LayerWorkspaceMgr.noWorkspaces());
            INDArray params = net.params();
            params.subi(flat.reshape(params.shape()));
            net.setIterationCount(iteration + 1);
            t2 = System.nanoTime();
            if (it >= warm) {
                pt.add("secure noise", t1 - t0);
                pt.add("updater + params", t2 - t1);
            }
        }
        pt.print("DP step without sampling and ledger");
        System.out.printf("  allocation per engine pipeline: JVM heap %.1f KiB, off-heap ND4J buffers created %.1f%n",
                heap / 1024.0 / iters, bufs / (double) iters);
        System.out.printf("  reusable buffers held by the engine: %.1f MiB%n",
                engine.bufferedElements() * (double) dt.width() / (1 << 20));
        if (nat != null) {
            System.out.printf("  native allocations >= 4 KiB per engine pipeline: %.1f, %.1f KiB%n", natCount / (double) iters,
                    natBytes / 1024.0 / iters);
        }

        // 3. DL4J references
        if (fit) {
            INDArray x = xAll.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch));
            INDArray y = yAll.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch));
            MultiLayerNetwork ref = "mlp".equals(model) ? mlp(dt) : cnn(dt);
            DataSet ds = new DataSet(x, y);
            Times ft = new Times();
            for (int it = 0; it < warm + iters; it++) {
                long t0 = System.nanoTime();
                ref.fit(ds);
                long t1 = System.nanoTime();
                ref.feedForward(x, true);
                long t2 = System.nanoTime();
                if (it >= warm) {
                    ft.add("DL4J fit", t1 - t0);
                    ft.add("DL4J feedForward(train)", t2 - t1);
                }
            }
            ft.print("DL4J");
        }
    }

    static String name(LayerStep s) {
        return s.layerIndex() + ":" + s.getClass().getSimpleName();
    }
}
