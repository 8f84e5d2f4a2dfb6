/**
 * Real data sets for the examples, read from local files only: nothing here downloads anything. Fashion-MNIST comes
 * from the Debian package {@code dataset-fashion-mnist}.
 */
package org.dpdl4j.examples.data;
