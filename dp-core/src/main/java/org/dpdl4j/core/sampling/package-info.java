/**
 * Batch samplers for DP-SGD, each tied to the accountant event its analysis supports:
 * {@link org.dpdl4j.core.sampling.PoissonSampler} (add/remove-one, the default),
 * {@link org.dpdl4j.core.sampling.FixedSizeSampler} (replace-one, a fresh subset without replacement each
 * step) and
 * {@link org.dpdl4j.core.sampling.FullBatchSampler} (all records, q = 1). Samplers draw from
 * {@link java.security.SecureRandom} unless built as seeded, and checkpoint without their generator
 * state so that a resumed run never replays batches.
 */
package org.dpdl4j.core.sampling;
