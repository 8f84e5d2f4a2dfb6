package org.dpdl4j.dl4j.scattering;

import java.util.Random;

/** Deterministic test images: noise, soft shapes with texture (image-like), and sparse strokes. */
final class TestImages {

    private TestImages() {
    }

    /** One of three kinds, chosen by the seed. */
    static double[] random(long seed, int h, int w) {
        Random r = new Random(seed);
        return switch (Math.floorMod(seed, 3)) {
            case 0 -> noise(r, h, w);
            case 1 -> shape(r, h, w, 0);
            default -> strokes(r, h, w);
        };
    }

    static double[] noise(Random r, int h, int w) {
        double[] x = new double[h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        return x;
    }

    /** A soft-edged ellipse with stripes, at least {@code margin} pixels away from the border. */
    static double[] shape(Random r, int h, int w, int margin) {
        double cy = h / 2.0 + (r.nextDouble() - 0.5) * 2;
        double cx = w / 2.0 + (r.nextDouble() - 0.5) * 2;
        double ry = (h / 2.0 - margin) * (0.5 + 0.4 * r.nextDouble());
        double rx = (w / 2.0 - margin) * (0.5 + 0.4 * r.nextDouble());
        double fy = r.nextDouble();
        double fx = r.nextDouble();
        double[] x = new double[h * w];
        for (int a = 0; a < h; a++) {
            for (int b = 0; b < w; b++) {
                double d = Math.pow((a - cy) / ry, 2) + Math.pow((b - cx) / rx, 2);
                double inside = 1 / (1 + Math.exp((d - 1) * 8));
                boolean inMargin = a < margin || b < margin || a >= h - margin || b >= w - margin;
                x[a * w + b] = inMargin ? 0 : inside * (0.6 + 0.4 * Math.sin(a * fy + b * fx));
            }
        }
        return x;
    }

    /** Four thin strokes, kept {@link #STROKE_MARGIN} pixels inside the border so a one-pixel shift keeps them. */
    static double[] strokes(Random r, int h, int w) {
        return strokes(r, h, w, STROKE_MARGIN);
    }

    /** Pixels a stroke keeps from the border: {@link #shift} requires content to stay inside the image. */
    static final int STROKE_MARGIN = 2;

    static double[] strokes(Random r, int h, int w, int margin) {
        double[] x = new double[h * w];
        for (int s = 0; s < 4; s++) {
            double y0 = r.nextDouble() * h;
            double x0 = r.nextDouble() * w;
            double ang = r.nextDouble() * Math.PI;
            double len = 4 + r.nextDouble() * h / 2;
            for (double t = 0; t < len; t += 0.25) {
                int a = (int) (y0 + t * Math.sin(ang));
                int b = (int) (x0 + t * Math.cos(ang));
                if (a >= margin && a < h - margin && b >= margin && b < w - margin) {
                    x[a * w + b] = 1;
                }
            }
        }
        return x;
    }

    /** The image moved down by dy and right by dx, zeros entering (content must stay inside). */
    static double[] shift(double[] x, int h, int w, int dy, int dx) {
        double[] y = new double[x.length];
        for (int a = 0; a < h; a++) {
            for (int b = 0; b < w; b++) {
                int sa = a - dy;
                int sb = b - dx;
                if (sa >= 0 && sa < h && sb >= 0 && sb < w) {
                    y[a * w + b] = x[sa * w + sb];
                }
            }
        }
        return y;
    }

    static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    static double distance(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return Math.sqrt(s);
    }
}
