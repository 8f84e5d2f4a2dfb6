package org.dpdl4j.accountant.cli;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code --accountant} and {@code --orders}, shared by every subcommand that computes ε. */
final class AccountantOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--accountant", paramLabel = "NAME", defaultValue = "rdp",
            converter = TypeConverter.class, completionCandidates = Names.class,
            description = "Accountant: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}). rdp handles every "
                    + "schedule; pld is the tight numerical accountant; gaussian is exact for q = 1 (NoisyGD).")
    AccountantType type;

    @Option(names = "--orders", split = ",", paramLabel = "A",
            description = "RDP orders to optimise over, comma-separated, each > 1 (rdp only; default: 1.1..10.9, "
                    + "11..63, 128, 256, 512, 1024).")
    double[] orders;

    /** The accountant the options ask for. */
    PrivacyAccountant create() {
        if (orders != null && type != AccountantType.RDP) {
            throw new InvalidInputException(mixee.commandLine(), "--orders applies to the rdp accountant only; "
                    + "drop --orders or use --accountant rdp");
        }
        if (orders != null) {
            try {
                return RdpAccountant.withOrders(orders);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(mixee.commandLine(), "--orders: " + e.getMessage());
            }
        }
        return type.create();
    }

    /** Accountant names for the help text. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of(AccountantType.values()).stream().map(AccountantType::id).iterator();
        }
    }

    /**
     * Parses accountant names; {@code prv} gets its own message because users coming from Microsoft's
     * prv_accountant look for that name, and the tight accountant here is the PLD one.
     */
    static final class TypeConverter implements ITypeConverter<AccountantType> {
        @Override
        public AccountantType convert(String value) {
            if ("prv".equals(value.trim().toLowerCase(Locale.ROOT))) {
                throw new TypeConversionException("there is no prv accountant; the tight numerical accountant "
                        + "here is pld (privacy loss distributions): use --accountant pld");
            }
            try {
                return AccountantType.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
