"""Units read as clinicians write them."""
from __future__ import annotations

import pytest

from gallery.formatting import units


@pytest.mark.parametrize(("value", "written"), [(4.0, "4 U"), (4, "4 U"), (2.5, "2.5 U"), (66.0, "66 U"),
                                                (100.0, "100 U"), (0.25, "0.25 U"), (10000.0, "10000 U"),
                                                (None, "")])
def test_units_have_no_trailing_zeros(value, written):
    assert units(value) == written
