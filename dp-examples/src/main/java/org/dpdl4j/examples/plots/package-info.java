/**
 * PNG charts written by the examples with {@code --plots DIR}: training curves, ε against steps and accuracy
 * against ε, drawn off screen with JFreeChart.
 */
package org.dpdl4j.examples.plots;
