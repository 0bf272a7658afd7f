"""Releases of a dataset: what changed between two versions of a package
(:mod:`opencase.releasing.diff`), the version rule a release must follow
(:mod:`opencase.releasing.semver`), and the change shown as text, JSON or Markdown release
notes (:mod:`opencase.releasing.render`)."""
