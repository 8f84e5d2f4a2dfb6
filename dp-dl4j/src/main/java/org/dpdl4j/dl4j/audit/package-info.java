/**
 * Empirical privacy audits of the private head: the one-run canary audit of
 * {@link org.dpdl4j.dl4j.head.HeadTrainer} (see {@link org.dpdl4j.dl4j.audit.HeadCanaryAudit}).
 */
package org.dpdl4j.dl4j.audit;
