"""winnow: noisy web pages in, a cited BM25 question-answering index out."""

__version__ = "0.1.0"
