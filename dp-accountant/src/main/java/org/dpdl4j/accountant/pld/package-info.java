/**
 * Tight numerical privacy accounting with privacy-loss distributions: pessimistic connect-the-dots
 * discretization of each (Poisson-subsampled) Gaussian step, FFT composition in a window sized by
 * Chernoff bounds, and ε(δ)/δ(ε) with a stated error interval. {@link org.dpdl4j.accountant.pld.PldAccountant}
 * is the entry point; {@link org.dpdl4j.accountant.pld.PrivacyLossDistribution} answers both queries from one
 * composed distribution.
 *
 * <p>Privacy assumption: every accounted step is the mechanism its event describes, run with fresh
 * randomness; subsampling is Poisson with add/remove-one neighbours. Everything reported is an upper
 * bound up to floating-point error; the interval's lower end is a rigorous lower bound on the true ε.
 */
package org.dpdl4j.accountant.pld;
