/**
 * The 2-D Morlet wavelet scattering transform ("ScatterNet"), a hand-crafted, data-independent feature
 * extractor: {@link org.dpdl4j.dl4j.scattering.ScatteringTransform} (configured by
 * {@link org.dpdl4j.dl4j.scattering.ScatteringConfig}, filters in
 * {@link org.dpdl4j.dl4j.scattering.MorletFilterBank}) implements
 * {@link org.dpdl4j.dl4j.features.FrozenFeatureMap}, so
 * {@link org.dpdl4j.dl4j.features.FeatureExtractor#of(org.dpdl4j.dl4j.features.FrozenFeatureMap)} batches,
 * caches and feeds it to the post-processing pipeline and the private head like a frozen network.
 *
 * <p>Privacy assumption: none; the transform's filters depend only on its configuration, never on data,
 * and it maps each example on its own, so it costs no privacy budget and needs no public data.
 */
package org.dpdl4j.dl4j.scattering;
