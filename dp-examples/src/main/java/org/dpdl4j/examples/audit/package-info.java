/** The {@code bin/example audit} command: one-run empirical privacy audits printed as JSON. */
package org.dpdl4j.examples.audit;
