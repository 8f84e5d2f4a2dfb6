/** Exact accounting of full-batch Gaussian compositions (NoisyGD) via the analytic Gaussian mechanism. */
package org.dpdl4j.accountant.gaussian;
