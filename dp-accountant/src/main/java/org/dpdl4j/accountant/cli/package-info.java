/**
 * The {@code dp-accountant} command-line tool: ε, δ, noise calibration, step budgets and ε-curves for
 * DP-SGD schedules, computed by the library's accountants.
 *
 * <p>Every failure is reported as one line on stderr ({@code dp-accountant: error: ...}) with exit code
 * 2 for bad input and 1 for anything else, so that scripts can rely on the exit status and users see
 * what to change rather than a stack trace. picocli, JFreeChart and slf4j-simple are optional
 * dependencies of the library: only the shaded {@code -cli} jar bundles them.
 */
package org.dpdl4j.accountant.cli;
