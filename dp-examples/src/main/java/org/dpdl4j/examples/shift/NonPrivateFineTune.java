package org.dpdl4j.examples.shift;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.dpdl4j.core.clipping.FlatClipping;
import org.dpdl4j.core.engine.PerExampleEngine;
import org.dpdl4j.core.engine.PerExampleGradients;
import org.dpdl4j.dl4j.finetune.AutoRgn;
import org.dpdl4j.dl4j.finetune.DpSgdPhase;
import org.dpdl4j.dl4j.finetune.HeadPhase;
import org.dpdl4j.dl4j.finetune.ParameterTensors;
import org.dpdl4j.dl4j.finetune.Phase;
import org.dpdl4j.dl4j.finetune.PhaseNetworks;
import org.dpdl4j.dl4j.finetune.Schedule;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The noise-free reference of a {@link Schedule}: the same phases, layers, clipping, batch size, steps and
 * updaters with σ = 0, so that the gap to the private run is the cost of the noise alone. A DP-SGD phase
 * becomes clipped minibatch SGD (batches of b rows drawn without replacement, reshuffled each pass,
 * instead of Poisson batches) on a {@link PhaseNetworks} copy; a probe phase becomes clipped full-batch
 * gradient descent on the frozen features; Auto-RGN sees the exact clipped mean gradient. Not private:
 * for comparison only, and it writes no ledger.
 */
final class NonPrivateFineTune {

    private NonPrivateFineTune() {
    }

    static void run(MultiLayerNetwork net, DataSet data, Schedule schedule, long seed) {
        Random rng = new Random(seed);
        for (Phase p : schedule.phases()) {
            if (p instanceof DpSgdPhase d) {
                runSgd(net, data, d, rng);
            } else {
                runHead(net, data, (HeadPhase) p);
            }
        }
    }

    private static void runSgd(MultiLayerNetwork net, DataSet data, DpSgdPhase phase, Random rng) {
        Set<Integer> trained = phase.train().resolve(net);
        MultiLayerNetwork work = PhaseNetworks.forPhase(net, trained, phase.updater());
        PerExampleEngine engine = PerExampleEngine.of(work, trained);
        FlatClipping clipping = new FlatClipping(phase.clipNorm());
        AutoRgn.Scaler rgn = phase.autoRgn() == null ? null : phase.autoRgn().scaler(work, ParameterTensors.of(work, trained));
        int n = data.numExamples();
        int b = phase.fullBatch() ? n : (int) Math.round(phase.batchSize());
        int[] order = permutation(n, rng);
        int cursor = 0;
        for (long s = 0; s < phase.steps(); s++) {
            if (cursor + b > n) {
                order = permutation(n, rng);
                cursor = 0;
            }
            INDArray idx = Nd4j.createFromArray(Arrays.copyOfRange(order, cursor, cursor + b));
            cursor += b;
            PerExampleGradients g = engine.compute(data.getFeatures().get(idx), data.getLabels().get(idx));
            g.writeClippedSumPerLayer(clipping.factors(g));
            g.release();
            INDArray flat = work.getFlattenedGradients();
            flat.divi(b);
            if (rgn != null) {
                rgn.accept(flat, 0.0, s);
            }
            int it = work.getIterationCount();
            work.getUpdater().update(work, new DefaultGradient(flat), it, work.getEpochCount(), 1,
                    LayerWorkspaceMgr.noWorkspaces());
            work.params().subi(flat.reshape(work.params().shape()));
            work.setIterationCount(it + 1);
        }
        net.params().assign(work.params());
    }

    private static void runHead(MultiLayerNetwork net, DataSet data, HeadPhase phase) {
        Layer out = net.getLayer(net.getnLayers() - 1);
        INDArray x = features(net, data.getFeatures());
        INDArray y = data.getLabels().castTo(x.dataType());
        INDArray w = phase.start() == HeadPhase.Start.ZEROS ? Nd4j.zeros(x.dataType(), x.size(1), y.size(1))
                : out.getParam("W").castTo(x.dataType()).dup();
        INDArray bias = phase.start() == HeadPhase.Start.ZEROS ? Nd4j.zeros(x.dataType(), 1, y.size(1))
                : out.getParam("b").castTo(x.dataType()).dup().reshape(1, y.size(1));
        INDArray vw = w.ulike().assign(0);
        INDArray vb = bias.ulike().assign(0);
        double n = x.size(0);
        for (long t = 0; t < phase.steps(); t++) {
            INDArray[] sum = PrivateLinearHead.of(w, bias).clippedGradientSum(x, y, phase.clipNorm());
            double lr = phase.learningRate().rate(t, phase.steps());
            vw.muli(phase.momentum()).addi(sum[0].divi(n));
            vb.muli(phase.momentum()).addi(sum[1].reshape(vb.shape()).divi(n));
            w.subi(vw.mul(lr));
            bias.subi(vb.mul(lr));
        }
        out.getParam("W").assign(w);
        out.getParam("b").assign(bias.reshape(out.getParam("b").shape()));
    }

    static INDArray features(MultiLayerNetwork net, INDArray x) {
        int last = net.getnLayers() - 1;
        long n = x.size(0);
        INDArray out = null;
        for (long start = 0; start < n; start += 1000) {
            long end = Math.min(n, start + 1000);
            INDArray a = net.feedForwardToLayer(last - 1, x.get(NDArrayIndex.interval(start, end)), false).get(last);
            INDArray rows = a.rank() == 2 ? a : a.reshape('c', a.size(0), a.length() / a.size(0));
            if (out == null) {
                out = Nd4j.create(rows.dataType(), n, rows.size(1));
            }
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(rows);
        }
        return out;
    }

    private static int[] permutation(int n, Random rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
