package org.dpdl4j.dl4j.scattering;

/**
 * 2-D DFT of a row-major [rows, cols] complex array: every column at once, a transpose, every row at once,
 * and a transpose back. The inverse includes the 1/(rows·cols) factor, so {@code inverse(forward(x)) = x}.
 * Immutable and thread-safe; scratch arrays of at least rows·cols values come from the caller.
 */
final class Fft2 {

    private final int rows;
    private final int cols;
    private final Fft fRows;
    private final Fft fCols;
    private final Fft iRows;
    private final Fft iCols;

    Fft2(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        fRows = new Fft(rows, false);
        iRows = new Fft(rows, true);
        fCols = rows == cols ? fRows : new Fft(cols, false);
        iCols = rows == cols ? iRows : new Fft(cols, true);
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    void forward(double[] re, double[] im, double[] s1, double[] s2, double[] t1, double[] t2) {
        run(re, im, fRows, fCols, s1, s2, t1, t2);
    }

    void inverse(double[] re, double[] im, double[] s1, double[] s2, double[] t1, double[] t2) {
        run(re, im, iRows, iCols, s1, s2, t1, t2);
        double scale = 1.0 / ((double) rows * cols);
        int n = rows * cols;
        for (int p = 0; p < n; p++) {
            re[p] *= scale;
            im[p] *= scale;
        }
    }

    private void run(double[] re, double[] im, Fft alongRows, Fft alongCols, double[] s1, double[] s2, double[] t1,
                     double[] t2) {
        // Columns: `cols` interleaved sequences of length `rows`.
        alongRows.transform(re, im, cols, s1, s2);
        transpose(re, im, t1, t2, rows, cols);
        // Rows, now stored as the columns of the transposed [cols, rows] array.
        alongCols.transform(t1, t2, rows, s1, s2);
        transpose(t1, t2, re, im, cols, rows);
    }

    /** dst [c, r] = src [r, c]ᵀ. */
    static void transpose(double[] sr, double[] si, double[] dr, double[] di, int r, int c) {
        for (int a = 0; a < r; a++) {
            int base = a * c;
            for (int b = 0; b < c; b++) {
                dr[b * r + a] = sr[base + b];
                di[b * r + a] = si[base + b];
            }
        }
    }
}
