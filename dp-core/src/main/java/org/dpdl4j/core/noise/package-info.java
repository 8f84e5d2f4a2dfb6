/**
 * Gaussian noise for the DP-SGD step. {@link org.dpdl4j.core.noise.SecureGaussianNoise} is the one to
 * train with: a CSPRNG and a power-of-two grid construction that keeps the output's low bits free of
 * information about the un-noised value. {@link org.dpdl4j.core.noise.SeededGaussianNoise} is
 * reproducible and for tests and experiments only; it reports {@code secure() == false}.
 */
package org.dpdl4j.core.noise;
