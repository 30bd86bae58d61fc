"""The shared figure theme: bands are reproducible bootstrap intervals; diverged runs are labelled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from implicitbias.pipeline import theme


def _band(values):
    frame = pd.DataFrame({"x": [0] * len(values), "y": values})
    fig, (ax,) = theme.panels(1)
    sns.lineplot(frame.assign(x=[0] * len(values)), x="x", y="y", ax=ax, **theme.BANDS)
    sns.lineplot(frame.assign(x=[1] * len(values)), x="x", y="y", ax=ax, **theme.BANDS)
    return np.asarray(ax.collections[0].get_paths()[0].vertices)


def test_bands_are_deterministic_and_stay_inside_the_data():
    y = [1e-12, 1e-3, 1.0]
    first, second = _band(y), _band(y)
    np.testing.assert_array_equal(first, second)
    assert first[:, 1].min() >= min(y) and first[:, 1].max() <= max(y)


def test_diverged_values_are_labelled_with_their_count():
    frame = pd.DataFrame(
        {"cell": ["a", "b", "c"], "eta": ["1", "2.01", "2.01"], "status": ["ok", "diverged", "ok"]}
    )
    out, labels = theme.mark_diverged(frame, "eta")
    assert labels == {"1": "1", "2.01": "2.01 (diverged 1/2)"}
    assert list(out.eta) == ["1", "2.01 (diverged 1/2)", "2.01 (diverged 1/2)"]
