"""The colours of the classes, shared by the PNG images, the tiles and the legend."""

import numpy as np

# Colours of the classes 0 (blocked) … 10 (easiest), red to green, text-contrast checked
# against white in the legend (the numbers are also written).
PALETTE = np.array(
    [
        [64, 64, 64],
        [165, 0, 38],
        [215, 48, 39],
        [244, 109, 67],
        [253, 174, 97],
        [254, 224, 139],
        [217, 239, 139],
        [166, 217, 106],
        [102, 189, 99],
        [26, 152, 80],
        [0, 104, 55],
    ],
    dtype=np.uint8,
)
CLASS_LABELS = {0: "non plantable (bloqué)", 1: "très difficile", 5: "moyen", 10: "très facile"}
