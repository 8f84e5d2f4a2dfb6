/**
 * Immutable descriptions of differentially private mechanisms (Gaussian, Poisson-subsampled,
 * sampled-without-replacement, self- and heterogeneous composition), each tied to its neighbouring
 * relation. Accountants compute guarantees from these values; the ledger stores them.
 */
package org.dpdl4j.accountant.event;
