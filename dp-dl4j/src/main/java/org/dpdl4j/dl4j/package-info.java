/** dp-dl4j: see the module README section; filled in by its own issue. */
package org.dpdl4j.dl4j;
