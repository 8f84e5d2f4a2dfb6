package org.dpdl4j.accountant.ledger;

import org.dpdl4j.accountant.event.DpEvent;

/**
 * A last check before a record is written, run by {@link PrivacyLedger#append(String, DpEvent, long, long,
 * AppendGuard)} while it holds the ledger's append lock. Throwing any runtime exception refuses the record:
 * nothing is written and the exception reaches the caller.
 *
 * <p>Privacy assumption: because the check and the write happen under one lock, no other append can slip
 * in between them, so a budget check made here holds for the history actually recorded. A guard must not
 * append to the ledger itself.
 */
@FunctionalInterface
public interface AppendGuard {

    /**
     * @param history the ledger's history so far, as {@link PrivacyLedger#toEvent()} returns it
     * @param historyWithRecord the history if the record is written
     */
    void check(DpEvent history, DpEvent historyWithRecord);
}
