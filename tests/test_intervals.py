"""IoU family: hand-computed vectors, edge cases and hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from videorl.scoring import f1, interval_scores, iog, iop, iou, iou_matrix


def test_vtg_vector():
    # p = (0.25, 0.75), g = (0.3, 0.7): inter = 0.4, |p| = 0.5, |g| = 0.4, union = 0.5 + 0.4 - 0.4 = 0.5
    p, g = (0.25, 0.75), (0.3, 0.7)
    assert iou(p, g) == pytest.approx(0.8)  # 0.4 / 0.5
    assert iog(p, g) == pytest.approx(1.0)  # 0.4 / 0.4
    assert iop(p, g) == pytest.approx(0.8)  # 0.4 / 0.5
    assert f1(p, g) == pytest.approx(0.8889, abs=1e-4)  # 2 * 0.8 * 1.0 / 1.8 = 0.88889


@pytest.mark.parametrize(("p", "g", "expected"), [
    ((0, 10), (5, 15), (5 / 15, 5 / 10, 5 / 10)),  # inter 5, union 15
    ((2, 8), (1.2, 5.8), (3.8 / 6.8, 3.8 / 6, 3.8 / 4.6)),  # inter 5.8-2 = 3.8, union 8-1.2 = 6.8
    ((0, 35), (0.5, 12.6), (12.1 / 35, 12.1 / 35, 1.0)),  # whole video
    ((3, 4), (0, 10), (1 / 10, 1.0, 1 / 10)),  # inside
    ((0, 5), (5, 10), (0.0, 0.0, 0.0)),  # touching
    ((0, 5), (6, 10), (0.0, 0.0, 0.0)),  # disjoint
    ((3, 3), (0, 10), (0.0, 0.0, 0.0)),  # zero-length prediction: no division by zero
    ((8, 2), (1.2, 5.8), (0.0, 0.0, 0.0)),  # reversed prediction is empty
    ((1, 2), (4, 4), (0.0, 0.0, 0.0)),  # zero-length GT
])
def test_vectors(p, g, expected):
    assert (iou(p, g), iop(p, g), iog(p, g)) == pytest.approx(expected)


def test_interval_scores_max_separately():
    # GT [[12.1, 17.1], [20, 23.5]] vs [13, 22]:
    # seg 1: inter 17.1-13 = 4.1, union 22-12.1 = 9.9, IoU 0.4141, IoP 4.1/9 = 0.4556, IoG 4.1/5 = 0.82
    # seg 2: inter 22-20 = 2, union 23.5-13 = 10.5, IoU 0.1905, IoP 2/9, IoG 2/3.5 = 0.5714
    out = interval_scores((13, 22), [[12.1, 17.1], [20, 23.5]])
    assert out["iou"] == pytest.approx(4.1 / 9.9)
    assert out["iop"] == pytest.approx(4.1 / 9)
    assert out["iog"] == pytest.approx(4.1 / 5)
    # F1 seg 1: 2 * 0.45556 * 0.82 / (0.45556 + 0.82) = 0.58571
    assert out["f1"] == pytest.approx(2 * (4.1 / 9) * 0.82 / (4.1 / 9 + 0.82))
    # maxima from different segments: IoG of a second GT wins when it is fully covered
    out = interval_scores((0, 10), [[0, 20], [4, 6]])
    assert out["iou"] == pytest.approx(0.5)  # 10 / 20 from the first
    assert out["iog"] == pytest.approx(1.0)  # 2 / 2 from the second
    assert interval_scores(None, [[0, 1]]) == {"iou": 0.0, "iop": 0.0, "iog": 0.0, "f1": 0.0}
    assert interval_scores((0, 1), []) == {"iou": 0.0, "iop": 0.0, "iog": 0.0, "f1": 0.0}


def test_iou_matrix_shapes_and_values():
    preds = [[0, 10], [2, 8], [3, 3]]
    gts = [[5, 15], [1.2, 5.8]]
    m = iou_matrix(preds, gts)
    assert m.shape == (3, 2) and m.dtype == np.float64
    assert m[0, 0] == pytest.approx(5 / 15)
    assert m[1, 1] == pytest.approx(3.8 / 6.8)
    assert m[2, 0] == 0.0
    assert iou_matrix(np.zeros((0, 2)), gts).shape == (0, 2)
    assert iou_matrix(preds, np.zeros((0, 2))).shape == (3, 0)


# ---------------------------------------------------------------------- properties
times = st.floats(min_value=0, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def interval(draw):
    a, b = draw(times), draw(times)
    assume(abs(a - b) > 1e-6)
    return (min(a, b), max(a, b))


@settings(max_examples=300, deadline=None)
@given(interval(), interval())
def test_bounds_and_order(p, g):
    u, pp, rr, ff = iou(p, g), iop(p, g), iog(p, g), f1(p, g)
    for v in (u, pp, rr, ff):
        assert 0.0 <= v <= 1.0 + 1e-12
    assert u == pytest.approx(iou(g, p))  # symmetry
    assert u <= min(pp, rr) + 1e-12
    if u == 1.0:  # IoU = 1 only for equal intervals
        assert p == pytest.approx(g)
    assert iop(p, g) == pytest.approx(iog(g, p))  # precision of p is recall of g
    if pp + rr > 0:
        assert ff == pytest.approx(2 * pp * rr / (pp + rr))
    else:
        assert ff == 0.0


@settings(max_examples=200, deadline=None)
@given(interval())
def test_iou_one_iff_equal(p):
    assert iou(p, p) == pytest.approx(1.0)
    q = (p[0], p[1] + (p[1] - p[0]) * 0.5)
    assert iou(p, q) < 1.0


@settings(max_examples=200, deadline=None)
@given(interval(), interval(), st.floats(0.01, 100), st.floats(0, 1000))
def test_scale_translation_invariance(p, g, k, c):
    def tr(x):
        return (x[0] * k + c, x[1] * k + c)
    for fn in (iou, iop, iog, f1):
        assert fn(tr(p), tr(g)) == pytest.approx(fn(p, g), abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(times, times), min_size=0, max_size=6), st.lists(interval(), min_size=0, max_size=5))
def test_matrix_equals_scalar(preds, gts):
    m = iou_matrix(preds if preds else np.zeros((0, 2)), gts if gts else np.zeros((0, 2)))
    assert m.shape == (len(preds), len(gts))
    for i, p in enumerate(preds):
        for j, g in enumerate(gts):
            assert m[i, j] == pytest.approx(iou(p, g), abs=1e-12)


@pytest.mark.parametrize(("p", "g"), [((3, 3), (3, 3)), ((5, 2), (4, 4)), ((3, 3), (7, 1))])
def test_two_empty_intervals_score_zero(p, g):
    # both empty (zero-length or reversed): the union is 0, and a zero denominator scores 0
    assert (iou(p, g), iop(p, g), iog(p, g), f1(p, g)) == (0.0, 0.0, 0.0, 0.0)
    assert interval_scores(p, [g]) == {"iou": 0.0, "iop": 0.0, "iog": 0.0, "f1": 0.0}


def test_iou_matrix_short_reversed_and_empty_rows():
    # [0, 0.5] vs [0, 1]: inter 0.5, union 1 -> 0.5 (a length under 1 still counts); reversed and zero-length
    # predictions, and a zero-length ground truth, give 0 (both empty: union 0 -> 0)
    m = iou_matrix([[0, 0.5], [5, 2], [3, 3]], [[0, 1], [4, 4]])
    assert m.tolist() == [[0.5, 0.0], [0.0, 0.0], [0.0, 0.0]]
