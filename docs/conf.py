"""Sphinx configuration of boostobj's documentation (``make docs`` builds it)."""

import re

import boostobj

project = "boostobj"
author = "the boostobj developers"
copyright = "the boostobj developers"  # noqa: A001 - Sphinx's name
release = boostobj.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]

# The API reference: every public name, as its module's __all__ lists it, with the
# docstrings in the numpydoc style the boosters and scikit-learn use.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the signatures show them; numpydoc's sections say the rest
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# Markdown pages (the guide, the benchmarks, the changelog): headings get anchors.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

html_theme = "pydata_sphinx_theme"
html_title = f"boostobj {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Members a class gets from its parent at run time (scikit-learn's generated
    ``set_*_request`` methods) belong to the parent's documentation, not boostobj's."""
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and not module.startswith("boostobj"):
        return True
    return skip


# |r|, |x|: an absolute value in a formula, which reStructuredText would read as a
# substitution. The docstrings keep the plain notation (help() shows it as written).
_ABSOLUTE_VALUE = re.compile(r"(?<![|\\])\|([^|`\n]+?)\|(?!\|)")


def _escape_absolute_values(app, what, name, obj, options, lines):
    """``|r|`` in a docstring as the literal bars, not a substitution reference."""
    lines[:] = [_ABSOLUTE_VALUE.sub(r"\\|\1\\|", line) for line in lines]


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
    app.connect("autodoc-process-docstring", _escape_absolute_values)
