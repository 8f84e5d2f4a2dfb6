/**
 * Privacy accounting for differentially private training: events, accountants, calibration,
 * budgets and the privacy ledger.
 *
 * <p>Everything here is pure Java (no ND4J) so that an auditor can recompute a privacy guarantee
 * from a ledger file without the training code. Every accountant either returns a number it can
 * justify for the event it is given, or throws {@link org.dpdl4j.accountant.UnsupportedEventException}.
 */
package org.dpdl4j.accountant;
