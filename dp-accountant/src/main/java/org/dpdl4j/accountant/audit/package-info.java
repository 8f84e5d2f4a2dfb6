/** Empirical privacy auditing statistics: the one-run audit of Steinke, Nasr &amp; Jagielski (2023). */
package org.dpdl4j.accountant.audit;
