/**
 * Empirical privacy audits of the DP-SGD trainer, run through the unchanged production code:
 * the one-run audit of Steinke, Nasr &amp; Jagielski (2023) with white-box Dirac canaries on reserved
 * parameters ({@link org.dpdl4j.core.audit.DiracCanaryAudit}) or black-box mislabeled canaries
 * ({@link org.dpdl4j.core.audit.BlackBoxCanaryAudit}), and the classic two-dataset audit with
 * Clopper–Pearson intervals ({@link org.dpdl4j.core.audit.DistinguishingAudit}). An audit gives a
 * statistical lower bound on ε: a bound above the claimed ε refutes the claim; a bound below it proves
 * nothing. What each audit covers is listed in {@code docs/threat-model.md} ("Audits").
 */
package org.dpdl4j.core.audit;
