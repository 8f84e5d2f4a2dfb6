package org.dpdl4j.examples.scatter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.dpdl4j.dl4j.features.FeatureCache;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.scattering.ScatteringConfig;
import org.dpdl4j.dl4j.scattering.ScatteringTransform;
import org.dpdl4j.examples.data.FashionMnist;
import org.dpdl4j.examples.plots.EpsilonCurve;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Shared steps of the ScatterNet examples: the J = 2, L = 8 scattering of Fashion-MNIST pixels in [0, 1]
 * (optionally cached on disk), a per-example pipeline applied in row blocks, and ε under the classic RDP
 * conversion that Tramèr &amp; Boneh used.
 *
 * <p>Privacy assumption: the scattering transform and group normalisation are data-independent
 * per-example maps (free); only the training run that follows is charged.
 */
final class ScatterNetFeatures {

    /** Groups of Tramèr &amp; Boneh's GroupNorm over the 81 channels. */
    static final int GROUPS = 27;

    private ScatterNetFeatures() {
    }

    static ScatteringTransform transform(int threads) {
        return ScatteringTransform.create(ScatteringConfig.tramerBoneh(FashionMnist.SIDE, FashionMnist.SIDE)
                .withThreads(threads));
    }

    /** What extraction took. */
    record Timing(long images, double seconds) {
        double secondsPer10k() {
            return images == 0 ? Double.NaN : seconds / images * 10_000;
        }
    }

    /**
     * Scattering features [n, 3969] (FLOAT) of the examples, from {@code cacheDir/<name>} when it holds the
     * same transform of the same examples, else computed (and cached when a directory is given).
     */
    static INDArray scatter(ScatteringTransform st, FashionMnist data, Path cacheDir, Timing[] timing)
            throws IOException {
        FeatureExtractor ex = st.extractor().withBatchSize(1000).withProgress(System.err::println);
        long t0 = System.nanoTime();
        INDArray f;
        boolean computed;
        if (cacheDir == null) {
            f = ex.extract(data.features());
            computed = true;
        } else {
            Path dir = cacheDir.resolve(data.name().replaceAll("[^A-Za-z0-9._-]+", "_"));
            FeatureCache existing = FeatureCache.openIfMatching(dir, st.fingerprint() + "|" + data.name() + "|"
                    + data.size());
            computed = existing == null;
            FeatureCache c = existing != null ? existing
                    : ex.extractToCache(data.features(), data.labels(), FashionMnist.CLASSES, dir, data.name());
            f = c.allFeatures();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (computed) {
            timing[0] = new Timing(timing[0].images() + data.size(), timing[0].seconds() + s);
            System.err.printf(Locale.ROOT, "scattering of %s: %d images in %.1f s (%.1f s per 10k images)%n", data.name(),
                    data.size(), s, s / data.size() * 10_000);
        }
        return f;
    }

    /** The pipeline applied to blocks of rows, so that no full-size temporary is needed beyond the result. */
    static INDArray apply(FeaturePipeline pipeline, INDArray x) {
        long n = x.size(0);
        int d = pipeline.outputDimension((int) x.size(1));
        INDArray out = Nd4j.create(DataType.FLOAT, n, d);
        for (long start = 0; start < n; start += 5000) {
            long end = Math.min(n, start + 5000);
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all())
                    .assign(pipeline.apply(x.get(NDArrayIndex.interval(start, end), NDArrayIndex.all())));
        }
        return out;
    }

    /**
     * Frees the raw feature matrices once normalised (each is a few hundred MB off-heap, which the Java GC
     * would only reclaim when it happens to run) and asks for a collection of the extraction's temporaries.
     */
    static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
        System.gc();
    }

    /** ε by the classic RDP conversion ε = min_α r(α) + log(1/δ)/(α − 1), with the order reached. */
    static EpsilonResult classicRdp(DpEvent event, double delta) {
        RdpAccountant rdp = RdpAccountant.withDefaultOrders();
        double[] orders = rdp.orders();
        double[] r = rdp.rdp(event);
        double best = Double.POSITIVE_INFINITY;
        double order = Double.NaN;
        for (int i = 0; i < orders.length; i++) {
            double e = r[i] + Math.log(1 / delta) / (orders[i] - 1);
            if (e < best) {
                best = e;
                order = orders[i];
            }
        }
        return new EpsilonResult(best, delta, "rdp-classic", order, 0.0, List.of(
                "classic RDP conversion eps = r(a) + log(1/delta)/(a-1) (Mironov 2017), as in Opacus < 1.0"));
    }

    /** The three ε the ScatterNet examples report, as curves for {@code --plots}, in the order they print them. */
    static List<EpsilonCurve.Method> curveMethods(double delta) {
        return List.of(EpsilonCurve.Method.of(AccountantType.RDP, delta),
                new EpsilonCurve.Method("RDP (classic conversion)", e -> classicRdp(e, delta).epsilon()),
                EpsilonCurve.Method.of(AccountantType.PLD, delta));
    }

    /** ε of the same event under RDP (improved conversion), the classic conversion and PLD. */
    static String epsilons(DpEvent event, double delta, double[] out) {
        EpsilonResult improved = AccountantType.RDP.create().epsilon(event, delta);
        EpsilonResult classic = classicRdp(event, delta);
        EpsilonResult pld = AccountantType.PLD.create().epsilon(event, delta);
        out[0] = improved.epsilon();
        out[1] = classic.epsilon();
        out[2] = pld.epsilon();
        out[3] = pld.errorBound();
        return String.format(Locale.ROOT, "epsilon at delta=%.0e: RDP %.4f (improved conversion, order %.1f), "
                + "RDP %.4f (classic conversion, order %.1f), PLD %.4f (error bound %.4f)", delta, improved.epsilon(),
                improved.order(), classic.epsilon(), classic.order(), pld.epsilon(), pld.errorBound());
    }
}
