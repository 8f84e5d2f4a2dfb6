package org.dpdl4j.accountant.rdp;

import java.util.Arrays;

/**
 * Grids of Rényi orders. The default grid is 1.1, 1.2, …, 10.9, then 11, 12, …, 63, then 128, 256, 512,
 * 1024 (the grid of dp_accounting).
 */
public final class RdpOrders {

    private RdpOrders() {
    }

    /** A fresh copy of the default grid. */
    public static double[] defaults() {
        double[] orders = new double[99 + 53 + 4];
        int k = 0;
        for (int x = 1; x < 100; x++) {
            orders[k++] = 1 + x / 10.0;
        }
        for (int a = 11; a < 64; a++) {
            orders[k++] = a;
        }
        for (double a : new double[] {128, 256, 512, 1024}) {
            orders[k++] = a;
        }
        return orders;
    }

    /** The orders Opacus 1.x uses by default: 1.1 … 10.9 and 12 … 63. */
    public static double[] opacus() {
        double[] orders = new double[99 + 52];
        int k = 0;
        for (int x = 1; x < 100; x++) {
            orders[k++] = 1 + x / 10.0;
        }
        for (int a = 12; a < 64; a++) {
            orders[k++] = a;
        }
        return orders;
    }

    /**
     * Validates and sorts a user grid.
     *
     * @throws IllegalArgumentException for an empty grid or an order that is not &gt; 1
     */
    public static double[] validated(double... orders) {
        if (orders == null || orders.length == 0) {
            throw new IllegalArgumentException("at least one RDP order is needed, e.g. 2,4,8,16,32,64");
        }
        double[] copy = orders.clone();
        for (double a : copy) {
            checkOrder(a);
        }
        Arrays.sort(copy);
        return copy;
    }

    static void checkOrder(double alpha) {
        if (!(alpha > 1)) {
            throw new IllegalArgumentException("RDP orders must be > 1, got " + alpha);
        }
    }
}
