/**
 * Privacy budgets: an (ε, δ) limit enforced against a {@link org.dpdl4j.accountant.ledger.PrivacyLedger}
 * before each spend, so that training stops before it would exceed the budget rather than after.
 */
package org.dpdl4j.accountant.budget;
