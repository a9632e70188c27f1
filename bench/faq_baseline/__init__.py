"""A frozen copy of the FAQ matcher as it was before issue 16 (commit f2e141b).

`bench/faq.py` runs it next to the current matcher and BM25 so that every figure is
compared with what the project had, in the same run on the same content. Do not
improve it: it is the baseline.
"""
