/** Calibration: the smallest noise or the most steps that fit a target (ε, δ). */
package org.dpdl4j.accountant.calibration;
