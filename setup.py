"""The compiled kernels (boostobj/_kernels.pyx); everything else is in pyproject.toml.

The extension is optional: where it cannot be built (no C compiler), the install goes on
and boostobj runs its numpy kernels instead (``boostobj --version`` says which).
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

# No floating-point contraction (fused multiply-add), so that the compiled kernels give the
# same bits as their numpy references.
KERNELS = Extension("boostobj._kernels", ["boostobj/_kernels.pyx"],
                    extra_compile_args=["-O2", "-ffp-contract=off"], optional=True)

EXTENSIONS = cythonize([KERNELS], quiet=True)
for extension in EXTENSIONS:  # cythonize makes new Extensions, without `optional`
    extension.optional = True

setup(ext_modules=EXTENSIONS)
