package org.dpdl4j.accountant;

import java.util.List;
import java.util.Objects;

/**
 * An (ε, δ) guarantee as computed by an accountant, with what an auditor needs to judge it.
 *
 * <p>Privacy assumption: {@link #epsilon()} is an upper bound for the accounted event under its
 * neighbouring relation. For numerical accountants it is the upper end of an interval of width
 * {@link #errorBound()}; for RDP it is the bound at {@link #order()}.
 *
 * @param epsilon the guaranteed ε (upper end), may be {@code +∞} when no finite bound holds
 * @param delta the δ the guarantee is stated for
 * @param accountant the accountant's name (rdp, pld, gaussian)
 * @param order the RDP order that gave the bound, or NaN for other accountants
 * @param errorBound width of the interval [ε − errorBound, ε] that contains the true ε (0 when exact
 *     up to floating point or not applicable)
 * @param notes human-readable warnings and method statements (conversion used, grid edge warnings)
 */
public record EpsilonResult(double epsilon, double delta, String accountant, double order, double errorBound,
                            List<String> notes) {

    public EpsilonResult {
        Objects.requireNonNull(accountant, "accountant");
        notes = List.copyOf(notes);
    }

    /** True when an RDP order is reported. */
    public boolean hasOrder() {
        return !Double.isNaN(order);
    }
}
