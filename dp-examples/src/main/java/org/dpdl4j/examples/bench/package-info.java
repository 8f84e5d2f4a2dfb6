/** Benchmarks run by {@code bin/bench}; results are recorded in docs/benchmarks.md. */
package org.dpdl4j.examples.bench;
