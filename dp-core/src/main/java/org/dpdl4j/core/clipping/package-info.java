/** Per-example clipping rules: flat, per-layer and adaptive (Andrew et al. 2021). */
package org.dpdl4j.core.clipping;
