"""Helpers shared by the e2e pytest suites (e2e/stage1, e2e/checks, e2e/helm_paths).

Everything here runs on the host against the e2e cluster that e2e/run.sh starts; the
driver loads :mod:`stack_e2e.plugin` (``pytest -p stack_e2e.plugin``) and exports the
settings the suites read (see :mod:`stack_e2e.settings`).
"""
