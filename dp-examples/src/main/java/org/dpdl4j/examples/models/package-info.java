/** Reference architectures from the differential-privacy literature, built as plain DL4J networks. */
package org.dpdl4j.examples.models;
