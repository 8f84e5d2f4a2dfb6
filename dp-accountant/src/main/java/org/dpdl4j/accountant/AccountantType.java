package org.dpdl4j.accountant;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.pld.PldAccountant;
import org.dpdl4j.accountant.rdp.RdpAccountant;

/**
 * The accountants the library ships, by name. Used by the CLI, the ledger re-accounting and the
 * trainers' configuration.
 */
public enum AccountantType {
    /** Rényi DP with the improved conversion; supports every event here. */
    RDP,
    /** Tight numerical privacy-loss-distribution accountant (connect-the-dots, FFT composition). */
    PLD,
    /** Exact composition of full-batch Gaussian mechanisms (q = 1) via the analytic Gaussian mechanism. */
    GAUSSIAN;

    /** A new accountant of this type with default settings. */
    public PrivacyAccountant create() {
        return switch (this) {
            case RDP -> RdpAccountant.withDefaultOrders();
            case PLD -> PldAccountant.withDefaults();
            case GAUSSIAN -> new GaussianAccountant();
        };
    }

    /** Lower-case name as used on the command line and in ledgers. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a name such as {@code rdp}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static AccountantType parse(String name) {
        for (AccountantType t : values()) {
            if (t.id().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown accountant '" + name + "'; use one of "
                + Arrays.stream(values()).map(AccountantType::id).collect(Collectors.joining(", ")));
    }
}
