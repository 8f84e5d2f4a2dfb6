package org.dpdl4j.accountant.event;

/**
 * Which pairs of datasets are neighbours. A guarantee is only meaningful together with the relation it
 * was proved under, and each sampling scheme has exactly one relation its analysis supports.
 */
public enum NeighbouringRelation {
    /** Datasets differ by adding or removing one record. Poisson subsampling is analysed under this. */
    ADD_OR_REMOVE_ONE,
    /**
     * Datasets of the same size differ by replacing one record. Fixed-size sampling without replacement
     * is analysed under this. For a clipped sum with clip norm C the replace-one sensitivity is 2C.
     */
    REPLACE_ONE
}
