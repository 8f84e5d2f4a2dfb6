/** Numerical helpers for the accountants: log-space sums and Gaussian tails. No privacy logic. */
package org.dpdl4j.accountant.math;
