/** Rényi-DP accounting: per-step curves for subsampled Gaussians and the conversion to (ε, δ). */
package org.dpdl4j.accountant.rdp;
