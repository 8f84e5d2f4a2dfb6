/**
 * The privacy ledger: a crash-safe JSON Lines file with one record per privacy-consuming step range, and
 * the lossless JSON form of events it uses. A ledger file is enough to recompute ε with any accountant,
 * without the training code.
 */
package org.dpdl4j.accountant.ledger;
