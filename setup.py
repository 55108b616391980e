"""Build of the one C extension; all project metadata lives in pyproject.toml.

``hunt_assets.analytics.dns._native`` holds the DNS scorer's byte-level kernels
(``hunt_assets/analytics/dns/accel.py`` says why). It is optional: where no C compiler is found
the install still succeeds and the NumPy code runs. An editable install (``make install``) builds
it in place, next to ``_native.c``. A setup.py rather than pyproject's ``ext-modules`` table,
which setuptools still calls experimental.
"""

import os

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "hunt_assets.analytics.dns._native",
            sources=["hunt_assets/analytics/dns/_native.c"],
            optional=True,
            # -ffp-contract=off: no fused multiply-adds whatever the target flags, so float results
            # stay bit-identical to NumPy's
            extra_compile_args=["-O3", "-std=c11", "-ffp-contract=off", "-Wall", "-Wextra"],
            libraries=["m"] if os.name == "posix" else [],  # exp() in the verdict kernel
        )
    ]
)
