"""Writes kymatio-reference.txt: inputs and Kymatio Scattering2D outputs that ScatteringTransformTest compares
against. Run once with Kymatio (numpy frontend) on the Python path:  python3 make_reference.py > kymatio-reference.txt
Each case: a header line 'case NAME H W J L ORDER', a line of H*W input pixels (row-major), then a line of
C*H'*W' outputs (channel-major), all as %.12g."""
import numpy as np
from kymatio.numpy import Scattering2D


def smooth_shape(h, w):
    # A soft-edged ellipse with a stripe pattern inside: image-like, with edges at several orientations.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = ((yy - h * 0.45) / (h * 0.32)) ** 2 + ((xx - w * 0.5) / (w * 0.25)) ** 2
    inside = 1.0 / (1.0 + np.exp((r - 1.0) * 8.0))
    return inside * (0.6 + 0.4 * np.sin(xx * 0.9 + yy * 0.35))


cases = [
    ("random28", np.random.RandomState(1).rand(28, 28), 2, 8, 2),
    ("shape28", smooth_shape(28, 28), 2, 8, 2),
    ("shape24x32_J3_L4", smooth_shape(24, 32), 3, 4, 2),
    ("random20_J1_L6_order1", np.random.RandomState(2).rand(20, 20), 1, 6, 1),
]
for name, x, J, L, order in cases:
    h, w = x.shape
    S = Scattering2D(J=J, shape=(h, w), L=L, max_order=order)
    y = S(x.astype(np.float64))
    print("case %s %d %d %d %d %d" % (name, h, w, J, L, order))
    print(" ".join("%.12g" % v for v in x.ravel()))
    print(" ".join("%.12g" % v for v in np.asarray(y, dtype=np.float64).ravel()))
