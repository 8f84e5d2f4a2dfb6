package org.dpdl4j.accountant.rdp;

import java.util.List;
import java.util.Map;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;

/**
 * Rényi DP accountant. RDP composes by addition, so the cost of T identical steps is T times the
 * per-step curve and the computation takes the same time for any T.
 *
 * <p>Supports the Gaussian mechanism (either relation), the Poisson-subsampled Gaussian (add/remove-one,
 * exact per-step RDP by Mironov, Talwar &amp; Zhang 2019) and the Gaussian on a fixed-size sample without
 * replacement (replace-one, upper bound of Wang, Balle &amp; Kasiviswanathan 2019).
 *
 * <p>Privacy assumption: as stated by each event; the reported ε is an upper bound at the reported
 * order under the improved conversion ({@link RdpConversion}).
 */
public final class RdpAccountant implements PrivacyAccountant {

    private final double[] orders;

    private RdpAccountant(double[] orders) {
        this.orders = orders;
    }

    /** Accountant on the default order grid ({@link RdpOrders#defaults()}). */
    public static RdpAccountant withDefaultOrders() {
        return new RdpAccountant(RdpOrders.defaults());
    }

    /** Accountant on a user grid; orders must be &gt; 1. */
    public static RdpAccountant withOrders(double... orders) {
        return new RdpAccountant(RdpOrders.validated(orders));
    }

    /** The order grid (a copy). */
    public double[] orders() {
        return orders.clone();
    }

    @Override
    public String name() {
        return "rdp";
    }

    @Override
    public void checkSupported(DpEvent event) {
        for (DpEvent base : FlatEvents.of(event).counts().keySet()) {
            baseCheck(base);
        }
    }

    private static void baseCheck(DpEvent base) {
        if (base instanceof GaussianEvent) {
            return;
        }
        if (base instanceof PoissonSampledEvent p) {
            if (!(p.event() instanceof GaussianEvent)) {
                throw new UnsupportedEventException("RDP accountant supports Poisson subsampling of a Gaussian "
                        + "mechanism only, got Poisson subsampling of " + p.event().kind());
            }
            return;
        }
        if (base instanceof SampledWithoutReplacementEvent w) {
            if (!(w.event() instanceof GaussianEvent)) {
                throw new UnsupportedEventException("RDP accountant supports sampling without replacement of a "
                        + "Gaussian mechanism only, got " + w.event().kind());
            }
            return;
        }
        throw new UnsupportedEventException("unsupported event " + base.kind());
    }

    /** The composed RDP curve of the event at this accountant's orders. */
    public double[] rdp(DpEvent event) {
        FlatEvents flat = FlatEvents.of(event);
        double[] total = new double[orders.length];
        for (Map.Entry<DpEvent, Long> e : flat.counts().entrySet()) {
            DpEvent base = e.getKey();
            baseCheck(base);
            double count = e.getValue();
            for (int k = 0; k < orders.length; k++) {
                total[k] += count * perStep(base, orders[k]);
            }
        }
        return total;
    }

    /** RDP of one run of a base event at order α. */
    static double perStep(DpEvent base, double alpha) {
        if (base instanceof GaussianEvent g) {
            return alpha / (2 * g.noiseMultiplier() * g.noiseMultiplier());
        } else if (base instanceof PoissonSampledEvent p) {
            return PoissonSubsampledGaussianRdp.rdp(p.samplingRate(), ((GaussianEvent) p.event()).noiseMultiplier(), alpha);
        } else if (base instanceof SampledWithoutReplacementEvent w) {
            return WithoutReplacementGaussianRdp.rdp(w.samplingRate(), ((GaussianEvent) w.event()).noiseMultiplier(), alpha);
        }
        throw new UnsupportedEventException("unsupported event " + base.kind());
    }

    @Override
    public EpsilonResult epsilon(DpEvent event, double delta) {
        PrivacyParameters.checkDelta(delta);
        RdpConversion.Conversion c = RdpConversion.epsilon(orders, rdp(event), delta);
        return new EpsilonResult(c.epsilon(), delta, name(), c.order(), 0.0, c.notes());
    }

    @Override
    public double delta(DpEvent event, double epsilon) {
        PrivacyParameters.checkEpsilon(epsilon);
        return RdpConversion.delta(orders, rdp(event), epsilon);
    }

    @Override
    public String toString() {
        return "RdpAccountant" + List.of(orders.length + " orders in [" + orders[0] + ", " + orders[orders.length - 1] + "]");
    }
}
