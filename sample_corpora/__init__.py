"""The bundled corpora, as a package so that they travel inside the wheel.

Why a package rather than a setuptools mapping (`package-dir`/`data-files`): a package is
found by `importlib.resources.files("sample_corpora")` in the same way from a checkout
(PYTHONPATH or `pip install -e .`) and from an installed wheel (pipx, uv tool, pip), so
engine/corpus.py has one way to find the files and no fallback path; data-files would land
outside site-packages where importlib.resources cannot see them, and a mapping onto a
package of another name would not exist in a checkout. The folder stays where it was.
"""
