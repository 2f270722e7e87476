"""Sentence splitting: nltk's Punkt, loaded without the parts of nltk it does not need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_punkt_loads_without_scipy_stats_and_leaves_it_importable():
    code = (
        "import sys\n"
        "from pipeline.split import split_sentences\n"
        "assert split_sentences('Dr. Smith saw him. It was fine.') == ['Dr. Smith saw him.', 'It was fine.']\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats was imported'\n"
        "import scipy.stats\n"
        "assert scipy.stats.fisher_exact([[1, 2], [3, 4]])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_footnote_number_after_a_full_stop_still_ends_the_sentence():
    from pipeline.split import split_sentences

    assert split_sentences("It occurs in 2 of every 100 000 patients treated with statins.1 We will review it.") == [
        "It occurs in 2 of every 100 000 patients treated with statins.1", "We will review it."]
    assert split_sentences("Version 2.1 The end.") == ["Version 2.1 The end."]
