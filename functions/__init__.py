"""Code that runs in AWS. Each subpackage is packaged on its own (functions.package)."""
