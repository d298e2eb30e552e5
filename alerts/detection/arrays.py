"""The array type of the detection statistics, spelled once.

numpy types arithmetic on a bare `np.ndarray` (dtype unknown) as Any, so a function annotated
`-> np.ndarray` could return anything without the type checker noticing; with the dtype named,
the operations keep their array type and a wrong return is caught.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.integer[Any]]
ObjectArray = npt.NDArray[np.object_]
